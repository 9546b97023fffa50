//! The report as a document: headings, paragraphs, numbered figures (charts and the
//! map) and sources, already worded in one language; written out as HTML here and as
//! PDF by [`crate::pdf`].

use std::fmt::Write as _;

use athar_core::Language;
use serde::Serialize;

use crate::chart::{BarChart, escape};

/// A figure: a chart, or the map.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// Its name in URLs and file names (`weapons`, `map`).
    pub id: String,
    /// Its numbered caption (`Chart 2: Military attacks by weapon`).
    pub caption: String,
    /// The drawing, as SVG.
    #[serde(skip)]
    pub svg: String,
    /// The chart it draws, when it is one (its numbers are those of the text).
    #[serde(skip)]
    pub chart: Option<BarChart>,
}

/// A section: one kind of incident.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// The kind's slug.
    pub kind: String,
    /// Its heading.
    pub heading: String,
    /// Its paragraphs, in order.
    pub paragraphs: Vec<String>,
    /// Its figures, in order.
    pub figures: Vec<Figure>,
}

/// Where a figure can be downloaded alone, for the HTML's links.
#[derive(Debug, Clone, Serialize)]
pub struct Downloads {
    /// The path before the figure's id, e.g. `monthly/`.
    pub base: String,
    /// The query after it, e.g. `month=2024-04&lang=ar`.
    pub query: String,
}

/// The whole report, worded.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// `ar` or `en`.
    pub lang: &'static str,
    /// `rtl` or `ltr`.
    pub dir: &'static str,
    /// The title.
    pub title: String,
    /// The month, as the report writes it.
    pub month: String,
    /// The release and its hash, or a word that the figures are live.
    pub provenance: String,
    /// The sections, one per kind.
    pub sections: Vec<Section>,
    /// The heading of the sources.
    pub sources_heading: String,
    /// The sources and attributions.
    pub sources: Vec<String>,
    /// The word for a page (`Page`, `صفحة`).
    pub page: String,
    /// The word between a page's number and the count of pages (`of`, `من`).
    pub page_of: String,
    /// The word on download links.
    pub download: String,
    /// Where figures can be downloaded (none in a file written by the CLI).
    #[serde(skip)]
    pub downloads: Option<Downloads>,
}

impl Document {
    /// A document in `language`, with its text direction.
    pub fn language_codes(language: Language) -> (&'static str, &'static str) {
        match language {
            Language::Arabic => ("ar", "rtl"),
            Language::English => ("en", "ltr"),
        }
    }

    /// Every figure, in order.
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.sections.iter().flat_map(|s| &s.figures)
    }

    /// The report as one self-contained HTML page (figures inline), printable on A4.
    pub fn html(&self) -> String {
        let mut html = String::with_capacity(64 * 1024);
        let font = if self.lang == "ar" {
            "'Noto Sans Arabic', 'Noto Sans', sans-serif"
        } else {
            "'Noto Sans', 'Noto Sans Arabic', sans-serif"
        };
        let _ = write!(
            html,
            r#"<!doctype html>
<html lang="{lang}" dir="{dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}: {month}</title>
<style>
@page {{ size: A4; margin: 18mm; }}
body {{ font-family: {font}; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.6; }}
h1 {{ font-size: 1.5rem; margin-bottom: 0.2rem; }}
h2 {{ font-size: 1.2rem; border-bottom: 2px solid #b03a2e; padding-bottom: 0.2rem; margin-top: 2rem; }}
.month {{ font-size: 1.15rem; margin: 0; }}
.provenance, .sources {{ font-size: 0.85rem; color: #444; }}
figure {{ margin: 1rem 0; break-inside: avoid; }}
figure svg {{ max-width: 100%; height: auto; display: block; }}
figcaption {{ font-size: 0.9rem; color: #333; }}
figcaption a {{ margin-inline-start: 0.6rem; font-size: 0.8rem; }}
</style>
</head>
<body>
<header><h1>{title}</h1><p class="month">{month}</p><p class="provenance">{provenance}</p></header>
"#,
            lang = self.lang,
            dir = self.dir,
            title = escape(&self.title),
            month = escape(&self.month),
            provenance = escape(&self.provenance),
        );
        for section in &self.sections {
            let _ = write!(
                html,
                "<section id=\"{}\">\n<h2>{}</h2>\n",
                escape(&section.kind),
                escape(&section.heading)
            );
            for paragraph in &section.paragraphs {
                let _ = writeln!(html, "<p>{}</p>", escape(paragraph));
            }
            for figure in &section.figures {
                // The drawing's own XML declaration has no place inside HTML.
                let drawing = figure
                    .svg
                    .strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
                    .unwrap_or(&figure.svg);
                let _ = write!(
                    html,
                    "<figure id=\"figure-{}\">\n{}\n<figcaption>{}",
                    escape(&figure.id),
                    drawing.trim(),
                    escape(&figure.caption)
                );
                if let Some(downloads) = &self.downloads {
                    for format in ["svg", "png"] {
                        let _ = write!(
                            html,
                            " <a href=\"{}{}.{format}?{}\" download>{} {}</a>",
                            escape(&downloads.base),
                            escape(&figure.id),
                            escape(&downloads.query),
                            escape(&self.download),
                            format.to_uppercase()
                        );
                    }
                }
                html.push_str("</figcaption>\n</figure>\n");
            }
            html.push_str("</section>\n");
        }
        let _ = write!(
            html,
            "<section class=\"sources\">\n<h2>{}</h2>\n",
            escape(&self.sources_heading)
        );
        for source in &self.sources {
            let _ = writeln!(html, "<p>{}</p>", escape(source));
        }
        html.push_str("</section>\n</body>\n</html>\n");
        html
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_every_text_and_links_figures_only_when_told_where() {
        let mut document = Document {
            lang: "en",
            dir: "ltr",
            title: "Report <one>".into(),
            month: "April 2024".into(),
            provenance: "live".into(),
            sections: vec![Section {
                kind: "attack".into(),
                heading: "Attacks & more".into(),
                paragraphs: vec!["<script>alert(1)</script>".into()],
                figures: vec![Figure {
                    id: "weapons".into(),
                    caption: "Chart 1: by weapon".into(),
                    svg: "<svg></svg>".into(),
                    chart: None,
                }],
            }],
            sources_heading: "Sources".into(),
            sources: vec!["OCHA".into()],
            page: "Page".into(),
            page_of: "of".into(),
            download: "Download".into(),
            downloads: None,
        };
        let html = document.html();
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        assert!(html.contains("Report &lt;one&gt;") && html.contains("Attacks &amp; more"));
        assert!(!html.contains("download>"));
        document.downloads = Some(Downloads {
            base: "monthly/".into(),
            query: "month=2024-04&lang=en".into(),
        });
        let html = document.html();
        assert!(
            html.contains(r#"<a href="monthly/weapons.png?month=2024-04&amp;lang=en" download>Download PNG</a>"#),
            "{html}"
        );
    }
}
