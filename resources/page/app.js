// AceTray's page for phones and TV browsers: the channel list, search, favourites, and
// playback in the page through AceTray's own HLS (hls.js where the browser has MediaSource,
// the browser's own HLS elsewhere, e.g. Safari on iPhone). Served by AceTray; nothing is
// fetched from anywhere else. Every request carries the page's own ?token= when there is one.
// A TV remote works it alone: focus starts on the first channel, the arrows move between the
// search box, the group buttons and the channels, Enter plays, Back (or Escape) closes the player.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const withToken = (path, params = {}) => {
  const query = new URLSearchParams(params);
  if (token) query.set("token", token);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
};
const $ = (id) => document.getElementById(id);
const state = { channels: [], shown: [], hls: null, playing: null, group: null };
const keyOf = (channel) => `${channel.kind}:${channel.id}`;

async function api(path, options = {}) {
  const response = await fetch(withToken(path), { cache: "no-store", ...options });
  if (!response.ok) throw new Error((await response.text()).trim() || `HTTP ${response.status}`);
  return response.status === 204 ? null : response.json(); // a favourite's PUT/DELETE: 204, no body
}

async function loadChannels() {
  try {
    const data = await api("/api/channels");
    state.channels = data.channels;
    if (!state.channels.length) {
      $("message").textContent = "No channels yet: add a playlist in AceTray on your computer.";
    }
    renderGroups();
    render();
    // A remote has no pointer: without a focused element its Down key only scrolls the page.
    const first = document.querySelector("#channels .channel");
    if (first && (document.activeElement === document.body || !document.activeElement)) focusChannel(first);
  } catch (error) {
    $("message").textContent = `Could not load the channels: ${error.message}`;
  }
}

function render() {
  const words = $("search").value.toLowerCase().split(/\s+/).filter(Boolean);
  const onlyFavourites = $("only-favourites").checked;
  state.shown = state.channels.filter((c) => {
    if (onlyFavourites && !c.favourite) return false;
    if (state.group !== null && c.group !== state.group) return false;
    const text = `${c.name} ${c.group}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  if (state.channels.length) {
    $("message").textContent = state.shown.length ? "" : "No channel matches.";
  }
  const list = $("channels");
  list.replaceChildren(...state.shown.slice(0, 500).map(channelItem));
}

// The groups as a row of buttons, "All" first: a filter a remote reaches with its arrows.
function renderGroups() {
  const groups = [...new Set(state.channels.map((c) => c.group).filter(Boolean))];
  const row = $("groups");
  row.hidden = groups.length < 2;
  row.replaceChildren(...[null, ...groups].map((group) => {
    const button = Object.assign(document.createElement("button"), { type: "button", className: "group-filter" });
    button.textContent = group === null ? "All" : group;
    button.setAttribute("aria-pressed", String(group === state.group));
    button.addEventListener("click", () => {
      state.group = group;
      row.querySelectorAll(".group-filter").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      render();
    });
    return button;
  }));
}

// A channel without a logo shows its initial on a tinted square, as the desktop window does:
// the first letter or digit of its name, the hue from the CRC-32 of the name's UTF-8 bytes.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(text) {
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
function initials(name) {
  const placeholder = document.createElement("span");
  placeholder.className = "nologo";
  placeholder.setAttribute("aria-hidden", "true");
  placeholder.textContent = (name.match(/[\p{L}\p{N}]/u) || ["?"])[0].toUpperCase();
  const hue = crc32(name) % 360;
  placeholder.style.backgroundColor = `hsl(${hue} 27.45% 82.35%)`; // Qt's fromHsl(hue, 70, 210)
  placeholder.style.color = `hsl(${hue} 23.53% 27.45%)`; // fromHsl(hue, 60, 70)
  return placeholder;
}

function channelItem(channel) {
  const item = document.createElement("li");
  const play = document.createElement("button");
  play.className = "channel";
  play.type = "button";
  play.dataset.key = keyOf(channel);
  // The logo through AceTray (logo_url), never the playlist's own address: a phone cannot
  // reach a logo only the computer reaches, and the page loads nothing from elsewhere.
  let logo = initials(channel.name);
  if (channel.logo_url) {
    const placeholder = logo;
    logo = Object.assign(document.createElement("img"), { src: withToken(channel.logo_url), alt: "", loading: "lazy" });
    logo.onerror = () => logo.replaceWith(placeholder);
  }
  const text = document.createElement("span");
  text.className = "text";
  const name = Object.assign(document.createElement("span"), { className: "name", textContent: channel.name });
  const group = Object.assign(document.createElement("span"), { className: "group", textContent: channel.group });
  text.append(name, group);
  play.append(logo, text);
  play.addEventListener("click", () => playChannel(channel));
  const star = document.createElement("button");
  star.className = "star";
  star.type = "button";
  star.setAttribute("aria-label", `Favourite: ${channel.name}`);
  showStar(star, channel.favourite);
  star.addEventListener("click", () => toggleFavourite(channel, star));
  item.append(play, star);
  return item;
}

// Outlined when not a favourite, filled when it is, as in the desktop's Channels tab: a filled
// grey star read as "already starred".
function showStar(star, on) {
  star.textContent = on ? "★" : "☆";
  star.setAttribute("aria-pressed", String(on));
}

async function toggleFavourite(channel, star) {
  const wanted = !channel.favourite;
  try {
    await api(`/api/favourites/${channel.kind}/${channel.id}`, { method: wanted ? "PUT" : "DELETE" });
    channel.favourite = wanted;
    showStar(star, wanted);
  } catch (error) {
    $("message").textContent = `Could not change the favourite: ${error.message}`;
  }
}

function streamUrl(channel, path) {
  return new URL(withToken(path, { [channel.kind === "infohash" ? "infohash" : "id"]: channel.id }), location.href).href;
}

function vlcLink(url) {
  // VLC registers its own URL schemes on phones; on a computer the copied link works in any player.
  if (/iPhone|iPad|iPod/.test(navigator.userAgent)) return `vlc-x-callback://x-callback-url/stream?url=${encodeURIComponent(url)}`;
  if (/Android/.test(navigator.userAgent)) return `vlc://${url}`;
  return url;
}

function playChannel(channel) {
  const video = $("video");
  const hlsUrl = streamUrl(channel, "/ace/manifest.m3u8");
  stopPlayback();
  state.playing = keyOf(channel);
  $("player").hidden = false;
  $("now-name").textContent = channel.name;
  $("open-vlc").href = vlcLink(streamUrl(channel, "/ace/getstream"));
  $("player-message").textContent = "Starting the channel… the first picture can take a few seconds.";
  video.addEventListener("playing", () => { $("player-message").textContent = ""; }, { once: true });
  if (window.Hls && Hls.isSupported()) {
    state.hls = new Hls({ liveSyncDurationCount: 2, manifestLoadingTimeOut: 70000, manifestLoadingMaxRetry: 2 });
    state.hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) $("player-message").textContent = `Playback stopped: ${data.details}. Try again, or open it in VLC.`;
    });
    state.hls.loadSource(hlsUrl);
    state.hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = hlsUrl; // Safari, iOS: HLS is the browser's own
  } else {
    $("player-message").textContent = "This browser cannot play HLS video. Use Open in VLC, or the playlist below.";
    return;
  }
  video.play().catch(() => { /* autoplay may need a tap: the controls are there */ });
  video.focus();
}

// Back on a remote (or Escape): the player closes and focus returns to the channel it played.
function closePlayer() {
  const playing = state.playing;
  stopPlayback();
  state.playing = null;
  $("player").hidden = true;
  const items = [...document.querySelectorAll("#channels .channel")];
  const back = items.find((item) => item.dataset.key === playing) || items[0];
  if (back) focusChannel(back);
}

function stopPlayback() {
  if (state.hls) { state.hls.destroy(); state.hls = null; }
  const video = $("video");
  video.removeAttribute("src");
  video.load();
}

// Focuses a channel where the person can see it: the browser only scrolls to what is off
// screen, not to what lies under the sticky header or the playing video.
function focusChannel(button) {
  button.focus({ preventScroll: true });
  const covered = [document.querySelector("header"), $("player")]
    .filter((element) => !element.hidden && getComputedStyle(element).position === "sticky")
    .reduce((bottom, element) => Math.max(bottom, element.getBoundingClientRect().bottom), 0);
  const box = button.getBoundingClientRect();
  if (box.top < covered) window.scrollBy(0, box.top - covered);
  else if (box.bottom > window.innerHeight) window.scrollBy(0, box.bottom - window.innerHeight);
}

// The keys a remote's Back button sends: Escape on a keyboard; "GoBack"/"BrowserBack" (Android
// TV and most TV browsers); 461 on LG webOS; 10009 on Samsung Tizen.
const BACK_KEYS = new Set(["Escape", "GoBack", "BrowserBack"]);
const BACK_CODES = new Set([27, 461, 10009]);
const isBack = (event) => BACK_KEYS.has(event.key) || BACK_CODES.has(event.keyCode);

// A TV remote's arrows: Down from the search box goes to the first channel, Up and Down move
// through the channels, Up from the first one goes to the group buttons (Left and Right move
// along them, Down goes back to the list, Up to the search box), and Down from the video goes
// back to the channel playing. Enter plays, or picks a group (buttons do that by themselves).
document.addEventListener("keydown", (event) => {
  if (isBack(event)) {
    if ($("player").hidden) return; // nothing to close: Back leaves the page as usual
    event.preventDefault();
    closePlayer();
    return;
  }
  const target = arrowTarget(event.key, document.activeElement);
  if (target === undefined) return;
  event.preventDefault();
  if (target === null) return;
  if (target.classList.contains("channel")) focusChannel(target);
  else target.focus();
  if (target.classList.contains("group-filter")) target.scrollIntoView({ block: "nearest", inline: "nearest" });
});

// Where an arrow key moves focus: an element, null (stay), or undefined (not ours: the browser's).
function arrowTarget(key, active) {
  const items = [...document.querySelectorAll("#channels .channel")];
  const groups = $("groups").hidden ? [] : [...document.querySelectorAll("#groups .group-filter")];
  const chosenGroup = groups.find((b) => b.getAttribute("aria-pressed") === "true") || groups[0];
  const at = items.indexOf(active);
  const inGroups = groups.indexOf(active);
  if (at !== -1) {
    if (key === "ArrowDown") return items[at + 1] || null;
    if (key === "ArrowUp") return items[at - 1] || chosenGroup || $("search");
    return undefined;
  }
  if (inGroups !== -1) {
    if (key === "ArrowLeft") return groups[inGroups - 1] || null;
    if (key === "ArrowRight") return groups[inGroups + 1] || null;
    if (key === "ArrowDown") return items[0] || null;
    if (key === "ArrowUp") return $("search");
    return undefined;
  }
  if (key !== "ArrowDown") return undefined;
  if (active === $("search")) return items[0] || chosenGroup || null;
  if (active === $("video")) return items.find((item) => item.dataset.key === state.playing) || items[0] || null;
  return undefined;
}

function copyPlaylist() {
  const field = $("playlist-url");
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value);
  } else {
    field.select(); // plain http on a home network is not a "secure context": the old way still works
    document.execCommand("copy");
  }
  $("copy-playlist").textContent = "Copied";
  setTimeout(() => { $("copy-playlist").textContent = "Copy"; }, 2000);
}

$("search").addEventListener("input", render);
$("only-favourites").addEventListener("change", render);
$("close-player").addEventListener("click", closePlayer);
$("copy-playlist").addEventListener("click", copyPlaylist);
$("playlist-url").value = new URL(withToken("/playlist.m3u"), location.href).href;
loadChannels();
