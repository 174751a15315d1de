// The lecturer's key to a room (controls/room.py), kept in this browser as a cookie so
// that a reloaded lecturer's page opens as the room's lecturer's: the browser sends the
// cookie when the page opens, and the server checks it with the room's store before it
// believes it. Nothing is drawn and nothing is reported.
// ``data.cookie``: the cookie's name (one per room). ``data.secret``: the lecturer's
// secret, sent only to the lecturer's own page. ``data.max_age``: its life in seconds.
export default function ({ data: sent }) {
  let data = null;
  try {
    data = JSON.parse(typeof sent === "string" ? sent : new TextDecoder().decode(sent));
  } catch (e) {
    return;
  }
  if (!data || typeof data.cookie !== "string" || typeof data.secret !== "string") return;
  if (!/^[A-Za-z0-9_]+$/.test(data.cookie) || !/^[A-Za-z0-9_-]+$/.test(data.secret)) return;
  const maxAge = Math.max(0, Math.floor(Number(data.max_age) || 0));
  document.cookie = `${data.cookie}=${data.secret}; path=/; max-age=${maxAge}; SameSite=Strict`;
}
