//! The report as PDF, laid out by typst (`typst/report.typ`): A4, Arabic set right to
//! left and shaped, the bundled Noto fonts embedded, real text that can be selected and
//! searched, page numbers, and the same bytes every time for the same report.
//!
//! Why typst: it is a layout engine (paragraphs broken into lines, bidirectional text,
//! Arabic shaping, pagination, figures) with a PDF writer that embeds subset fonts and
//! their text, built as Rust crates that need no system fonts or files here. The others
//! compared (issue 21's note): printpdf and pdf-writer place glyphs one by one and shape
//! nothing; genpdf shapes no Arabic and is unmaintained; krilla shapes text but breaks
//! no lines or pages; drawing pages as SVG for svg2pdf (as static maps do) means placing
//! every line by hand; a headless browser's print is a second program to ship. Typst's
//! cost is its size (about 280 crates, 2½ minutes of a clean debug build on 2 cores).

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::document::Document;

const TEMPLATE: &str = include_str!("../typst/report.typ");

/// A report that could not be laid out (a defect: the template and data are Athar's).
#[derive(Debug, thiserror::Error)]
#[error("the report could not be laid out as PDF: {0}")]
pub struct PdfError(pub String);

/// The fonts and the standard library, loaded once.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = athar_maps::font_files()
        .into_iter()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let path = VirtualPath::new(path).map_err(|error| PdfError(format!("{path}: {error:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, path).intern())
}

/// One report's world: the template, its data and figures, nothing from disk.
struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or(FileError::AccessDenied)
    }
    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // The report is dated by its month, never by when it is written.
        None
    }
}

impl Document {
    /// The report as an A4 PDF.
    ///
    /// # Errors
    /// When typst cannot lay it out (a defect of the template).
    pub fn pdf(&self) -> Result<Vec<u8>, PdfError> {
        let mut files = HashMap::new();
        let data = serde_json::to_vec(self).map_err(|error| PdfError(error.to_string()))?;
        files.insert(file_id("report.json")?, Bytes::new(data));
        for figure in self.figures() {
            files.insert(
                file_id(&format!("figure-{}.svg", figure.id))?,
                Bytes::new(figure.svg.clone().into_bytes()),
            );
        }
        let world = ReportWorld {
            main: Source::new(file_id("report.typ")?, TEMPLATE.to_owned()),
            files,
        };
        let compiled = typst::compile::<PagedDocument>(&world).output;
        let pdf = compiled.and_then(|document| {
            typst_pdf::pdf(
                &document,
                &typst_pdf::PdfOptions {
                    // A fixed identifier and no date: the same report, the same bytes.
                    ident: Smart::Custom(format!("athar-report-{}-{}", self.lang, self.month)),
                    timestamp: None,
                    ..typst_pdf::PdfOptions::default()
                },
            )
        });
        // Typst memoises layouts between runs; keep only the last few runs' entries so a
        // server writing many reports does not grow.
        comemo::evict(4);
        pdf.map_err(|errors| {
            PdfError(
                errors
                    .iter()
                    .map(|error| error.message.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Figure, Section};

    fn document(lang: &'static str) -> Document {
        Document {
            lang,
            dir: if lang == "ar" { "rtl" } else { "ltr" },
            title: "التقرير الشهري (report)".into(),
            month: "نيسان 2024".into(),
            // Read as typst markup, this would stop the compilation.
            provenance: "#panic(\"injected\") [not markup] $math$ *bold*".into(),
            sections: vec![Section {
                kind: "attack".into(),
                heading: "الهجمات العسكرية".into(),
                paragraphs: vec!["نفذ المتطوعون 67 استجابة للهجمات العسكرية.".into()],
                figures: vec![Figure {
                    id: "weapons".into(),
                    caption: "الشكل 1".into(),
                    svg: r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40"><rect width="50" height="20" fill="red"/></svg>"#.into(),
                    chart: None,
                }],
            }],
            sources_heading: "المصادر".into(),
            sources: vec!["OCHA".into()],
            page: "صفحة".into(),
            page_of: "من".into(),
            download: "تنزيل".into(),
            downloads: None,
        }
    }

    /// The same report gives the same bytes (no date, a fixed identifier); the fonts are
    /// embedded; text from the data is text, never typst markup.
    #[test]
    fn the_pdf_is_the_same_every_time_with_its_fonts_embedded() {
        let first = document("ar").pdf().unwrap();
        assert!(first.starts_with(b"%PDF-"));
        assert_eq!(first, document("ar").pdf().unwrap());
        let text = String::from_utf8_lossy(&first);
        assert!(
            text.contains("NotoSansArabic"),
            "the Arabic font is embedded"
        );
        assert!(
            text.contains("/FontFile2"),
            "fonts are embedded, not referenced"
        );
        assert_ne!(first, document("en").pdf().unwrap());
    }
}
