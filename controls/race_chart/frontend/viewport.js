// The race chart's room on the visitor's screen (controls/viewport.py): installs the
// page's layout CSS, preloads the scripts the page will need, then reports the main
// column's width, the window's height and this component's distance from the top of the
// page as the state ``size``, again whenever these change by more than a few pixels.
export default function ({ parentElement, setStateValue, data }) {
  if (!document.getElementById("descent-lab-layout")) {
    const style = document.createElement("style");
    style.id = "descent-lab-layout";
    style.textContent = data.css;
    document.head.appendChild(style);
  }
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
  const main = host.closest('[data-testid="stMainBlockContainer"]') || document.body;
  const measure = () => {
    // The main column's width inside its padding, and the bottom of the row that
    // holds this component: where the chart starts.
    const style = getComputedStyle(main);
    const width = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const row = host.closest('[data-testid="stHorizontalBlock"]') || host;
    const size = {
      width: Math.round(width),
      height: Math.round(window.innerHeight),
      top: Math.round(row.getBoundingClientRect().bottom + window.scrollY),
    };
    const last = store.viewport;
    const moved = !last || Math.abs(size.width - last.width) > 8
      || Math.abs(size.height - last.height) > 24 || Math.abs(size.top - last.top) > 24;
    if (moved && size.width > 0) {
      store.viewport = size;
      setStateValue("size", size);
    }
  };
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(measure, 150); };
  const observer = new ResizeObserver(later);
  observer.observe(main);  // the sidebar opening or closing, a rotated phone
  window.addEventListener("resize", later);
  measure();
  return () => {
    clearTimeout(timer);
    observer.disconnect();
    window.removeEventListener("resize", later);
  };
}
