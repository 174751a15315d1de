// The lecturer's key to a room (controls/room.py): kept in this browser's localStorage,
// so that a reload of the lecturer's page keeps control of the room; nothing is drawn.
// ``data.code``: the room this page is in. ``data.secret``: the lecturer's secret, sent
// only to the lecturer's own page, to keep. Reports a kept secret of that room as the
// state ``secret`` (the page checks it with the store before it believes it).
const STORE_KEY = "descent-lab:lecturer-keys";

function kept() {
  try {
    const keys = JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}");
    return keys && typeof keys === "object" ? keys : {};
  } catch (error) {
    return {};
  }
}

export default function ({ setStateValue, data }) {
  if (!data || typeof data.code !== "string") return;
  const keys = kept();
  try {
    if (typeof data.secret === "string" && keys[data.code] !== data.secret) {
      keys[data.code] = data.secret;
      window.localStorage.setItem(STORE_KEY, JSON.stringify(keys));
    }
  } catch (error) {
    return;  // storage refused (a private window): the lecturer link still works
  }
  const secret = keys[data.code];
  const reported = (window.__descentLab = window.__descentLab || {}).roomKey;
  if (typeof secret === "string" && !data.secret && reported !== data.code + secret) {
    window.__descentLab.roomKey = data.code + secret;
    setStateValue("secret", secret);
  }
}
