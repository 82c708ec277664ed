"""Fixed metadata labels as IIIF language maps (English first, a few more ready)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "creator": {"en": "Creator", "de": "Hersteller/in", "fr": "Créateur", "nl": "Maker"},
    "other_people": {
        "en": "Other people",
        "de": "Weitere Personen",
        "fr": "Autres personnes",
        "nl": "Andere personen",
    },
    "date": {"en": "Date", "de": "Datierung", "fr": "Date", "nl": "Datering"},
    "object_type": {
        "en": "Object type",
        "de": "Objekttyp",
        "fr": "Type d'objet",
        "nl": "Objecttype",
    },
    "materials": {
        "en": "Materials",
        "de": "Material/Technik",
        "fr": "Matériaux",
        "nl": "Materiaal",
    },
    "dimensions": {"en": "Dimensions", "de": "Maße", "fr": "Dimensions", "nl": "Afmetingen"},
    "inventory_number": {
        "en": "Inventory number",
        "de": "Inventarnummer",
        "fr": "Numéro d'inventaire",
        "nl": "Inventarisnummer",
    },
    "identifier": {"en": "Identifier", "de": "Kennung", "fr": "Identifiant", "nl": "Identificatie"},
    "credit_line": {"en": "Credit line", "de": "Credit", "fr": "Mention", "nl": "Creditregel"},
    "rights": {"en": "Rights", "de": "Rechte", "fr": "Droits", "nl": "Rechten"},
    "rights_holder": {
        "en": "Rights holder",
        "de": "Rechteinhaber/in",
        "fr": "Titulaire des droits",
        "nl": "Rechthebbende",
    },
    "metadata_licence": {
        "en": "Metadata licence",
        "de": "Lizenz der Metadaten",
        "fr": "Licence des métadonnées",
        "nl": "Licentie van de metadata",
    },
    "how_to_reference": {
        "en": "How to reference",
        "de": "Zitiervorschlag",
        "fr": "Comment citer",
        "nl": "Zo verwijst u",
    },
    "attribution": {
        "en": "Attribution",
        "de": "Namensnennung",
        "fr": "Attribution",
        "nl": "Naamsvermelding",
    },
    "courtesy": {
        "en": "Courtesy of",
        "de": "Mit freundlicher Genehmigung von",
        "fr": "Avec l'aimable autorisation de",
        "nl": "Met dank aan",
    },
    "source_record": {
        "en": "Source record",
        "de": "Quelldatensatz",
        "fr": "Notice source",
        "nl": "Bronrecord",
    },
    "record_json": {
        "en": "Record (JSON)",
        "de": "Datensatz (JSON)",
        "fr": "Notice (JSON)",
        "nl": "Record (JSON)",
    },
    "object_page": {
        "en": "Object page",
        "de": "Objektseite",
        "fr": "Page de l'objet",
        "nl": "Objectpagina",
    },
    "image": {"en": "Image", "de": "Bild", "fr": "Image", "nl": "Afbeelding"},
    "download": {
        "en": "Download full image",
        "de": "Bild herunterladen",
        "fr": "Télécharger l'image",
        "nl": "Afbeelding downloaden",
    },
}


def label(key: str) -> dict[str, list[str]]:
    """A language map for one of the fixed labels."""
    return {lang: [text] for lang, text in LABELS[key].items()}
