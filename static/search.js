// The static export's search page: it reads q, institution and reuse from the
// URL, fetches the JSON index of each institution asked for, and shows the
// objects whose text holds every word of the query. Written as DOM nodes with
// textContent only: titles are the museums' data, never markup.
(() => {
  const root = document.getElementById("static-search");
  if (!root) return;
  const LIMIT = 500;
  const params = new URLSearchParams(window.location.search);
  const query = (params.get("q") || "").trim();
  const institution = params.get("institution") || "";
  const reuse = params.get("reuse") || "";
  const indexes = JSON.parse(root.dataset.indexes);
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");

  // Accents and case do not matter: "Durer" finds "Dürer".
  const fold = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const words = fold(query).split(/\s+/).filter(Boolean);

  document.getElementById("search-q").value = query;
  const headerBox = document.getElementById("q");
  if (headerBox) headerBox.value = query;
  const select = document.getElementById("search-institution");
  for (const [slug, entry] of Object.entries(indexes)) {
    const option = new Option(entry.name, slug, false, slug === institution);
    select.add(option);
  }
  document.getElementById("search-reuse").value = reuse;

  const card = (object, name) => {
    const item = document.createElement("li");
    item.className = "card";
    const link = document.createElement("a");
    link.href = object.id;
    if (object.thumbnail) {
      const image = document.createElement("img");
      image.src = object.thumbnail;
      image.alt = "";
      image.loading = "lazy";
      link.append(image);
    }
    const title = document.createElement("span");
    title.className = "card-title";
    title.textContent = object.title;
    link.append(title);
    const meta = document.createElement("span");
    meta.className = "card-meta";
    meta.textContent = object.date ? `${name} · ${object.date}` : name;
    const badge = document.createElement("span");
    badge.className = `badge badge-${object.reuse}`;
    badge.textContent = root.dataset[`reuse${object.reuse[0].toUpperCase()}${object.reuse.slice(1)}`] || object.reuse;
    item.append(link, meta, badge);
    return item;
  };

  const matches = (object, name) => {
    if (reuse && object.reuse !== reuse) return false;
    if (!words.length) return true;
    const text = fold([object.title, object.creators, object.date, object.identifier, object.type, name].join(" "));
    return words.every((word) => text.includes(word));
  };

  const wanted = Object.entries(indexes).filter(([slug]) => !institution || slug === institution);
  Promise.all(
    wanted.map(([, entry]) =>
      fetch(entry.url).then((response) => {
        if (!response.ok) throw new Error(`${entry.url}: ${response.status}`);
        return response.json();
      }),
    ),
  ).then((loaded) => {
    const found = [];
    for (const index of loaded) {
      for (const object of index.objects) {
        if (matches(object, index.institution.name)) found.push([object, index.institution.name]);
      }
    }
    const count = found.length === 1 ? root.dataset.one : root.dataset.many.replace("{n}", found.length);
    status.textContent = query ? `${count} ${root.dataset.for.replace("{q}", query)}` : count;
    list.replaceChildren(...found.slice(0, LIMIT).map(([object, name]) => card(object, name)));
  }).catch((error) => {
    status.textContent = `The search index could not be loaded (${error.message}).`;
  });
})();
