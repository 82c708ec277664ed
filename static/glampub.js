// glampub's few scripts. Every page works without them; they add comfort.

// Copy buttons: one click puts the credit on the clipboard.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select();
    document.execCommand("copy");
  }
  const original = button.innerHTML;
  // The page gives the word in its own language.
  const words = button.closest("[data-copied]");
  button.textContent = words ? words.dataset.copied : "Copied";
  setTimeout(() => { button.innerHTML = original; }, 1500);
});

// The download button: the file comes at once (never blocked); the credit to
// use shows beside it at that moment.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.download");
  if (!link) return;
  const note = document.getElementById("download-note");
  if (note) note.hidden = false;
});

// The zoomable viewer, on the IIIF Image API service of the object's image.
function startViewer() {
  const element = document.getElementById("viewer");
  if (!element || !window.OpenSeadragon) return;
  element.hidden = false;
  // As wide as the column, as tall as the image's shape needs: no empty bands.
  const width = Number(element.dataset.width), height = Number(element.dataset.height);
  if (width && height) {
    element.style.aspectRatio = `${width} / ${height}`;
    element.dataset.shaped = "true";
  }
  element.setAttribute("role", "img");
  element.setAttribute("aria-label", element.dataset.label);
  const viewer = window.OpenSeadragon({
    element,
    prefixUrl: element.dataset.prefix,
    tileSources: [element.dataset.info],
    // The 2D canvas drawer works on every machine, GPU or not.
    drawer: "canvas",
    crossOriginPolicy: "Anonymous",
    showNavigator: false,
    gestureSettingsMouse: { scrollToZoom: true },
  });
  const still = document.querySelector(".main-image .still");
  if (still) still.hidden = true;
  viewer.addHandler("open", () => { element.dataset.ready = "true"; });
  document.querySelectorAll(".thumbs a[data-info]").forEach((thumb) => {
    thumb.addEventListener("click", (event) => {
      event.preventDefault();
      viewer.open(thumb.dataset.info);
    });
  });
}

// The staff import page: a live progress bar until the job is done.
function followProgress() {
  const bar = document.querySelector("progress[data-progress-url]");
  if (!bar) return;
  const label = document.getElementById("progress-label");
  const poll = async () => {
    let state = null;
    try {
      const response = await fetch(bar.dataset.progressUrl, { headers: { Accept: "application/json" } });
      state = await response.json();
    } catch {
      setTimeout(poll, 2000);
      return;
    }
    if (state.percent !== undefined) bar.value = state.percent;
    if (label) label.textContent = state.text || "";
    if (state.finished) {
      window.location.reload();
      return;
    }
    setTimeout(poll, 700);
  };
  poll();
}

// Credit boxes show their whole text. CSS grows them with it where the
// browser knows field-sizing; elsewhere they are sized here.
function fitCreditBoxes() {
  if (window.CSS && CSS.supports("field-sizing", "content")) return;
  const fit = () => {
    document.querySelectorAll("textarea.credit-text").forEach((box) => {
      if (!box.offsetParent) return;
      box.style.height = "auto";
      box.style.height = `${box.scrollHeight + 2}px`;
    });
  };
  fit();
  window.addEventListener("resize", fit);
  document.querySelectorAll("details.other-formats").forEach((d) => d.addEventListener("toggle", fit));
}

document.addEventListener("DOMContentLoaded", () => {
  fitCreditBoxes();
  startViewer();
  followProgress();
});
