// The race chart's room on the visitor's screen (controls/viewport.py): installs the
// page's layout (viewport.css), preloads the scripts the page will need, then reports the main
// column's width, the window's height and this component's distance from the top of the
// page as the state ``size``, again whenever these change by more than a few pixels.
// ``data.known``: the size the server has. A report the server does not echo within
// RETRY_MS is sent again (at most RETRIES times for one size): a page never waits for
// a lost report.
const RETRY_MS = 5000;
const RETRIES = 5;
// While a script run is drawing, a report waits for its end, looking again every
// WAIT_MS: Streamlit sends every widget's value with a report, and values from before
// the run would undo what it set (a link's open panel, the cards of its runs).
const WAIT_MS = 50;

function scriptRunning() {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === "running";
}

function differs(size, known) {
  return !known || Math.abs(size.width - known.width) > 8
    || Math.abs(size.height - known.height) > 24 || Math.abs(size.top - known.top) > 24;
}

// The page's layout (viewport.css, beside this file), installed once: a promise kept when
// it applies (or failed to load: the page then measures as it is).
function layout() {
  let link = document.getElementById("descent-lab-layout");
  if (!link) {
    link = Object.assign(document.createElement("link"), {
      id: "descent-lab-layout", rel: "stylesheet",
      href: new URL("viewport.css", import.meta.url).href,
    });
    link.applied = new Promise((done) => {
      link.addEventListener("load", done);
      link.addEventListener("error", done);
    });
    document.head.appendChild(link);
  }
  return link.applied;
}

export default function ({ parentElement, setStateValue, data: sent }) {
  const data = JSON.parse(typeof sent === "string" ? sent : new TextDecoder().decode(sent));
  const applied = layout();
  // Scripts the page will need (plotly.js), fetched while it waits for this report.
  for (const path of data.preload || []) {
    const href = new URL(path, document.baseURI).href;
    if (![...document.querySelectorAll("link[rel=preload]")].some((l) => l.href === href)) {
      document.head.appendChild(Object.assign(document.createElement("link"),
                                              {rel: "preload", as: "script", href}));
    }
  }
  const host = parentElement.host || parentElement;
  const store = (window.__descentLab = window.__descentLab || {});
  if (store.viewportStop) store.viewportStop();  // an earlier call's listeners and timers
  store.viewportKnown = data.known || null;
  const main = host.closest('[data-testid="stMainBlockContainer"]') || document.body;
  let timer = null;
  let retry = null;
  // The main column's width inside its padding, the window's height, and the bottom of
  // the row that holds this component: where the chart starts.
  const sizeNow = () => {
    const style = getComputedStyle(main);
    const width = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    // Streamlit scrolls its main column (stMain), not the window: the row's place on the
    // page is where it is on the screen plus how far both are scrolled, so that scrolling
    // does not change it.
    const row = host.closest('[data-testid="stHorizontalBlock"]') || host;
    const scroller = host.closest('[data-testid="stMain"]');
    return {
      width: Math.round(width),
      height: Math.round(window.innerHeight),
      top: Math.round(row.getBoundingClientRect().bottom + window.scrollY
                      + (scroller ? scroller.scrollTop : 0)),
    };
  };
  const measure = (again = false) => {
    if (scriptRunning()) {
      clearTimeout(timer);
      timer = setTimeout(() => measure(again), WAIT_MS);
      return;
    }
    const size = sizeNow();
    if (size.width <= 0 || !differs(size, store.viewportKnown)) return;
    const last = store.viewport;
    const sent = last && !differs(size, last);
    if (sent && !again) {  // sent, not echoed yet: only the retry sends it again
      if (retry === null) retry = setTimeout(retried, RETRY_MS);
      return;
    }
    store.viewportTries = sent ? (store.viewportTries || 0) + 1 : 1;
    if (store.viewportTries > RETRIES) return;
    store.viewport = size;
    setStateValue("size", size);
    clearTimeout(retry);
    retry = setTimeout(retried, RETRY_MS);  // cleared by the next call, once it is echoed
  };
  // The retry's measure; a later unechoed measure may arm the next one.
  const retried = () => { retry = null; measure(true); };
  const later = () => { clearTimeout(timer); timer = setTimeout(measure, 150); };
  const observer = new ResizeObserver(later);
  observer.observe(main);  // the sidebar opening or closing, a rotated phone
  window.addEventListener("resize", later);
  const stop = () => {
    clearTimeout(timer);
    clearTimeout(retry);
    observer.disconnect();
    window.removeEventListener("resize", later);
    if (store.viewportStop === stop) store.viewportStop = null;
  };
  store.viewportStop = stop;
  // The first report only once the layout applies (a later call's measure replaces this one).
  applied.then(() => { if (store.viewportStop === stop) measure(); });
  return stop;
}
