// AceTray's page for phones and TV browsers: the channel list, search, favourites, and
// playback in the page through AceTray's own HLS (hls.js where the browser has MediaSource,
// the browser's own HLS elsewhere, e.g. Safari on iPhone). Served by AceTray; nothing is
// fetched from anywhere else. Every request carries the page's own ?token= when there is one.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const withToken = (path, params = {}) => {
  const query = new URLSearchParams(params);
  if (token) query.set("token", token);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
};
const $ = (id) => document.getElementById(id);
const state = { channels: [], shown: [], hls: null, playing: null };
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
    render();
  } catch (error) {
    $("message").textContent = `Could not load the channels: ${error.message}`;
  }
}

function render() {
  const words = $("search").value.toLowerCase().split(/\s+/).filter(Boolean);
  const onlyFavourites = $("only-favourites").checked;
  state.shown = state.channels.filter((c) => {
    if (onlyFavourites && !c.favourite) return false;
    const text = `${c.name} ${c.group}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  if (state.channels.length) {
    $("message").textContent = state.shown.length ? "" : "No channel matches.";
  }
  const list = $("channels");
  list.replaceChildren(...state.shown.slice(0, 500).map(channelItem));
}

function channelItem(channel) {
  const item = document.createElement("li");
  const play = document.createElement("button");
  play.className = "channel";
  play.type = "button";
  play.dataset.key = keyOf(channel);
  // The logo through AceTray (logo_url), never the playlist's own address: a phone cannot
  // reach a logo only the computer reaches, and the page loads nothing from elsewhere.
  const logo = channel.logo_url ? document.createElement("img") : document.createElement("span");
  if (channel.logo_url) {
    logo.src = withToken(channel.logo_url);
    logo.alt = "";
    logo.loading = "lazy";
    logo.onerror = () => logo.replaceWith(Object.assign(document.createElement("span"), { className: "nologo" }));
  } else {
    logo.className = "nologo";
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
  star.textContent = "★";
  star.setAttribute("aria-label", `Favourite: ${channel.name}`);
  star.setAttribute("aria-pressed", String(channel.favourite));
  star.addEventListener("click", () => toggleFavourite(channel, star));
  item.append(play, star);
  return item;
}

async function toggleFavourite(channel, star) {
  const wanted = !channel.favourite;
  try {
    await api(`/api/favourites/${channel.kind}/${channel.id}`, { method: wanted ? "PUT" : "DELETE" });
    channel.favourite = wanted;
    star.setAttribute("aria-pressed", String(wanted));
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

// A TV remote's arrow keys move between channels; Enter plays (buttons do that by themselves).
// Down from the search box goes to the first channel, down from the video back to the one playing.
document.addEventListener("keydown", (event) => {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const down = event.key === "ArrowDown";
  const items = [...document.querySelectorAll("#channels .channel")];
  const at = items.indexOf(document.activeElement);
  let target;
  if (at !== -1) {
    target = items[at + (down ? 1 : -1)] || (down ? null : $("search"));
  } else if (down && document.activeElement === $("search")) {
    target = items[0];
  } else if (down && document.activeElement === $("video")) {
    target = items.find((item) => item.dataset.key === state.playing) || items[0];
  } else {
    return;
  }
  event.preventDefault();
  if (target === $("search")) target.focus();
  else if (target) focusChannel(target);
});

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
$("close-player").addEventListener("click", () => { stopPlayback(); state.playing = null; $("player").hidden = true; });
$("copy-playlist").addEventListener("click", copyPlaylist);
$("playlist-url").value = new URL(withToken("/playlist.m3u"), location.href).href;
loadChannels();
