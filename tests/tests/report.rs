//! The monthly report of a month whose figures are those of a real civil-defence monthly
//! report (`tests/fixtures/report-month-2024-04.csv`: 67 attacks in 32 communities, four
//! killed, among them a woman and two children; 31 injured, among them four women and 13
//! children; perpetrators 60/5/2; weapons 44/14/4/3/2; Fatira 14, Kansafra 11; 121 fires
//! in 60 communities, Idlib 14, Al-Bab 11, Tarhin 7, causes 51/29/11/9%; 150 traffic
//! accidents in 77 communities, 175 injured, among them 31 women and 45 children,
//! motorcycles 55%, cars 30%, trucks 14%, speeding 38%; three drownings, one a child),
//! from the real binary: every figure of the JSON, and each figure's sentence in the text
//! of the HTML and of the PDF (read back by `pdftotext`) in Arabic and English; the
//! command line writes the same PDF; a release's report is the same bytes every time; the
//! charts and the map download alone; the first page of each PDF is rendered by
//! `pdftoppm` into `target/screenshots/`.

use std::process::Command;

use athar_e2e::{Run as _, Server, Target, both_backends, get, get_json, workspace_root};
use serde_json::{Value, json};

const TOKEN: &str = "report-test-admin-token";

/// An Arabic mark (harakat, tanween, shadda, sukun…).
fn is_mark(c: char) -> bool {
    ('\u{064B}'..='\u{065F}').contains(&c)
}

/// `pdftotext` writes a mark after a letter or a lam-alef twice, with the letters it
/// sits on (`ًاًا` for `اً`, `ًالًال` for `لاً`): the repeat is dropped.
fn without_repeated_marks(text: &str) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut kept = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        kept.push(chars[i]);
        if is_mark(chars[i]) {
            for length in [2, 1] {
                let cluster = &chars[(i + 1).min(chars.len())..(i + 1 + length).min(chars.len())];
                if cluster.len() != length || !cluster.iter().all(|c| c.is_alphabetic()) {
                    continue;
                }
                let mut next = i + 1 + length;
                if chars.get(next) == Some(&' ') {
                    next += 1;
                }
                if chars.get(next) == Some(&chars[i])
                    && chars.get(next + 1..next + 1 + length) == Some(cluster)
                {
                    kept.extend_from_slice(cluster);
                    i = next + 1 + length;
                    break;
                }
            }
            if kept.last().is_some_and(|c| is_mark(*c)) {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    kept
}

/// The letters and digits of a text, in order, as the comparison sees them: `pdftotext`
/// reads Arabic in reading order, but adds direction marks, moves spaces and punctuation
/// around numbers, repeats a mark with its letters (see [`without_repeated_marks`]) and
/// writes the letters of the lam-alef ligature reversed (ال for لا). So both sides are
/// reduced to letters and digits, without marks, with lam-alef written as pdftotext
/// writes it.
fn letters(text: &str) -> String {
    let kept: String = without_repeated_marks(text)
        .into_iter()
        .filter(|c| c.is_alphanumeric() && !is_mark(*c))
        .collect();
    kept.replace("لا", "ال")
        .replace("لأ", "أل")
        .replace("لإ", "إل")
        .replace("لآ", "آل")
        .to_lowercase()
}

#[test]
fn letters_undo_what_pdftotext_does_to_arabic_and_nothing_else() {
    assert_eq!(letters("طفًالًال"), letters("طفلاً"));
    assert_eq!(letters("مصابًاًا"), letters("مصاباً"));
    assert_eq!(letters("تجمعًا ًا خالل"), letters("تجمعاً خلال"));
    assert_eq!(
        letters("\u{202b}في \u{202a} 32\u{202c}تجمعًاًا\u{202a} ،\u{202c}"),
        letters("في 32 تجمعاً،")
    );
    assert_ne!(letters("طفلاً"), letters("طفلان"));
    assert_ne!(letters("67 هجوماً"), letters("76 هجوماً"));
}

/// Each figure of the month, as a sentence of the report says it.
fn sentences(lang: &str) -> Vec<&'static str> {
    if lang == "ar" {
        vec![
            "نفذ المتطوعون 67 استجابة للهجمات العسكرية خلال شهر نيسان 2024",
            "انتشل المتطوعون 4 ضحايا، بينهم امرأة واحدة وطفلان",
            "وأسعفوا 31 مصاباً، بينهم 4 نساء و13 طفلاً",
            "وبلغ عدد الهجمات منذ بداية العام 220 هجوماً",
            "قوات النظام السوري (60)",
            "مناطق سيطرة النظام وقسد (5)",
            "القوات الروسية (2)",
            "قذائف مدفعية (44)",
            "طائرة مسيرة انتحارية (14)",
            "أسلحة خفيفة (4)",
            "صاروخ موجه (3)",
            "راجمة صواريخ (2)",
            "استهدفت الهجمات 32 تجمعاً، وكان أكثرها في فطيرة (14)، ثم كنصفرة (11)، ثم البارة (4)",
            "أراض زراعية (33)",
            "منزل مدني (22)",
            "طريق (6)",
            "مخيم (3)",
            "سوق (2)",
            "مدرسة (1)",
            "استجاب المتطوعون لـ121 حريقاً في 60 تجمعاً خلال شهر نيسان 2024، وكان أكثرها في إدلب (14)، ثم الباب (11)، ثم ترحين (7)",
            "وأسفرت الحرائق عن ضحية واحدة، بينهم طفل واحد، و9 مصابين، بينهم 3 نساء وطفلان",
            "منزل مدني (45)",
            "أراض زراعية (40)",
            "مخيم (15)",
            "محل تجاري (12)",
            "محطة تكرير وقود بدائية (9)",
            "مجهول 51%",
            "تماس كهربائي 29%",
            "تسرب غاز 11%",
            "تسرب وقود 9%",
            "استجاب المتطوعون لـ150 حادث سير في 77 تجمعاً خلال شهر نيسان 2024، وكان أكثرها في إدلب (12)، ثم سرمدا (9)، ثم الدانا (7)",
            "وأسعف المتطوعون 175 مصاباً، بينهم 31 امرأة و45 طفلاً، وانتشلوا 6 ضحايا، بينهم امرأة واحدة وطفلان",
            "دراجة نارية 55%",
            "سيارة 30%",
            "شاحنة أو آلية ثقيلة 14%",
            "السرعة الزائدة 38%",
            "أعطال مفاجئة في المركبة 26%",
            "ضيق الطريق 16%",
            "وعورة الطريق 10%",
            "استجاب المتطوعون لـ3 حالات غرق خلال شهر نيسان 2024",
            "انتشل المتطوعون 3 ضحايا، بينهم طفل واحد",
            "الخريطة 1: الهجمات العسكرية خلال شهر نيسان 2024",
        ]
    } else {
        vec![
            "Volunteers carried out 67 responses to military attacks in April 2024",
            "They recovered four people killed, among them one woman and two children",
            "and rescued 31 people injured, among them four women and 13 children",
            "Since 1 January, volunteers have responded to 220 attacks",
            "Syrian government forces (60)",
            "From areas held by government forces and the SDF (5)",
            "Russian forces (2)",
            "Artillery shells (44)",
            "Suicide drone (14)",
            "Small arms (4)",
            "Guided missile (3)",
            "Rocket launcher (2)",
            "The attacks struck 32 communities; Ftireh saw the most (14), then Kansafra (11), then Bara (4)",
            "Agricultural land (33)",
            "Civilian home (22)",
            "Road (6)",
            "Displacement camp (3)",
            "Market (2)",
            "School (1)",
            "Volunteers responded to 121 fires in 60 communities in April 2024; Idleb saw the most (14), then Al Bab (11), then Tarhin (7)",
            "The fires left one person killed, among them one child, and nine people injured, among them three women and two children",
            "Civilian home (45)",
            "Agricultural land (40)",
            "Displacement camp (15)",
            "Shop (12)",
            "Primitive fuel refinery (9)",
            "Causes: Unknown 51%, Electrical short circuit 29%, Gas leak 11% and Fuel leak 9%",
            "Volunteers responded to 150 accidents in 77 communities in April 2024; Idleb saw the most (12), then Sarmada (9), then Dana (7)",
            "They rescued 175 people injured, among them 31 women and 45 children, and recovered six people killed, among them one woman and two children",
            "Vehicles: Motorcycle 55%, Car 30%, Truck or heavy vehicle 14% and Other 1%",
            "Causes: Speeding 38%, Sudden vehicle failure 26%, Narrow road 16%, Rough road 10% and Unknown 10%",
            "Volunteers responded to three drownings in April 2024",
            "They recovered three people killed, among them one child",
            "Map 1: military attacks during April 2024",
        ]
    }
}

fn assert_says_every_figure(what: &str, lang: &str, text: &str) {
    let read = letters(text);
    let missing: Vec<&str> = sentences(lang)
        .into_iter()
        .filter(|sentence| !read.contains(&letters(sentence)))
        .collect();
    assert!(
        missing.is_empty(),
        "the {lang} {what} does not say:\n{}\n--- it says:\n{text}",
        missing.join("\n")
    );
}

/// The text of a page, without its tags (and without the drawings' own text).
fn html_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let tail = &rest[start..];
        // Drop the charts and the map: their numbers are checked apart.
        if tail.starts_with("<svg") {
            let end = tail
                .find("</svg>")
                .map_or(tail.len(), |e| e + "</svg>".len());
            rest = &tail[end..];
            continue;
        }
        let end = tail.find('>').map_or(tail.len(), |e| e + 1);
        text.push(' ');
        rest = &tail[end..];
    }
    text.push_str(rest);
    text.replace("&amp;", "&")
}

/// `pdftotext` of a PDF, in reading order.
fn pdf_text(target: &Target, name: &str, pdf: &[u8]) -> String {
    let path = target.dir().join(name);
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext").arg(&path).arg("-").run();
    assert!(
        output.status.success(),
        "pdftotext (poppler-utils; scripts/test installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The first page of a PDF as a PNG beside the browser's screenshots.
fn render_first_page(target: &Target, name: &str, pdf: &[u8]) {
    let out = workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&out).unwrap();
    let path = target.dir().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(out.join(name))
        .run();
    assert!(
        output.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let png = std::fs::read(out.join(format!("{name}.png"))).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}.png is a PNG");
    // A4 at 80 dpi: 661.4 × 935.4, rounded up.
    let (width, height) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!((width, height), (662, 936), "{name}.png is an A4 page");
}

fn entry<'a>(list: &'a Value, slug: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["slug"] == slug)
        .unwrap_or_else(|| panic!("no {slug} in {list}"))
}

/// Every figure of the JSON.
fn check_figures(report: &Value, year_to_date: Option<u64>) {
    let kinds = &report["kinds"];
    assert_eq!(
        kinds.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["attack", "drowning", "fire", "traffic_accident"]
    );
    let attack = &kinds["attack"];
    for (field, value) in [
        ("incidents", 67),
        ("communities", 32),
        ("killed", 4),
        ("killed_women", 1),
        ("killed_children", 2),
        ("injured", 31),
        ("injured_women", 4),
        ("injured_children", 13),
    ] {
        assert_eq!(attack[field], value, "attack {field}");
    }
    assert_eq!(attack["year_to_date"], json!(year_to_date));
    for (list, expected) in [
        (
            "by_perpetrator",
            &[
                ("government_forces", 60),
                ("government_and_sdf_areas", 5),
                ("russian_forces", 2),
            ][..],
        ),
        (
            "by_weapon",
            &[
                ("artillery", 44),
                ("suicide_drone", 14),
                ("small_arms", 4),
                ("guided_missile", 3),
                ("rocket_launcher", 2),
            ],
        ),
        (
            "by_place_type",
            &[
                ("agricultural_land", 33),
                ("home", 22),
                ("road", 6),
                ("camp", 3),
                ("market", 2),
                ("school", 1),
            ],
        ),
    ] {
        let got: Vec<(String, u64)> = attack[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["slug"].as_str().unwrap().to_owned(),
                    e["count"].as_u64().unwrap(),
                )
            })
            .collect();
        let expected: Vec<(String, u64)> = expected
            .iter()
            .map(|(s, c)| ((*s).to_owned(), *c))
            .collect();
        assert_eq!(got, expected, "attack {list}");
    }
    let top = |kind: &str| -> Vec<(String, u64)> {
        kinds[kind]["top_communities"]
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .map(|c| {
                (
                    c["name_ar"].as_str().unwrap().to_owned(),
                    c["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let named = |list: &[(&str, u64)]| -> Vec<(String, u64)> {
        list.iter().map(|(n, c)| ((*n).to_owned(), *c)).collect()
    };
    assert_eq!(
        top("attack"),
        named(&[("فطيرة", 14), ("كنصفرة", 11), ("البارة", 4)])
    );
    assert_eq!(
        kinds["attack"]["top_communities"][0]["community_id"],
        "C4070"
    );
    assert_eq!(
        kinds["attack"]["top_communities"][1]["community_id"],
        "C4309"
    );
    let fire = &kinds["fire"];
    assert_eq!(
        (fire["incidents"].as_u64(), fire["communities"].as_u64()),
        (Some(121), Some(60))
    );
    assert_eq!(
        top("fire"),
        named(&[("إدلب", 14), ("الباب", 11), ("ترحين", 7)])
    );
    for (slug, percent) in [
        ("unknown", 51.0),
        ("electrical_short", 29.0),
        ("gas_leak", 11.0),
        ("fuel_leak", 9.0),
    ] {
        assert_eq!(
            entry(&fire["by_cause"], slug)["percent"],
            percent,
            "fire {slug}"
        );
    }
    let accidents = &kinds["traffic_accident"];
    for (field, value) in [
        ("incidents", 150),
        ("communities", 77),
        ("injured", 175),
        ("injured_women", 31),
        ("injured_children", 45),
    ] {
        assert_eq!(accidents[field], value, "traffic_accident {field}");
    }
    for (slug, percent) in [("motorcycle", 55.0), ("car", 30.0), ("truck", 14.0)] {
        assert_eq!(
            entry(&accidents["by_vehicle"], slug)["percent"],
            percent,
            "{slug}"
        );
    }
    assert_eq!(entry(&accidents["by_cause"], "speeding")["percent"], 38.0);
    assert_eq!(
        top("traffic_accident")[..2],
        named(&[("إدلب", 12), ("سرمدا", 9)])[..]
    );
    let drowning = &kinds["drowning"];
    assert_eq!(
        (
            drowning["incidents"].as_u64(),
            drowning["killed_children"].as_u64()
        ),
        (Some(3), Some(1))
    );
}

both_backends!(the_monthly_report_says_every_figure_of_a_real_month);

async fn the_monthly_report_says_every_figure_of_a_real_month(target: Target) {
    let fixture = workspace_root().join("tests/fixtures/report-month-2024-04.csv");
    let ingest = target.athar().arg("ingest").arg(&fixture).run();
    assert!(
        ingest.status.success(),
        "{}",
        String::from_utf8_lossy(&ingest.stderr)
    );
    let server = Server::start(target.athar().arg("serve").env("ATHAR_ADMIN_TOKEN", TOKEN));
    let base = &server.base;
    let report = get_json(&format!("{base}/v1/reports/monthly.json?month=2024-04")).unwrap();
    check_figures(&report, Some(220));
    for lang in ["ar", "en"] {
        let json = get_json(&format!(
            "{base}/v1/reports/monthly.json?month=2024-04&lang={lang}"
        ))
        .unwrap();
        check_figures(&json, Some(220));
        let paragraphs: Vec<String> = json["kinds"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|k| k["text"].as_array().unwrap().iter())
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        let html = get(&format!(
            "{base}/v1/reports/monthly.html?month=2024-04&lang={lang}"
        ));
        assert_eq!(html.status, 200);
        assert!(
            html.content_type.starts_with("text/html"),
            "{}",
            html.content_type
        );
        let page = String::from_utf8(html.body).unwrap();
        let dir = if lang == "ar" { "rtl" } else { "ltr" };
        assert!(page.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\">")));
        let text = html_text(&page);
        assert_says_every_figure("HTML", lang, &text);
        // The JSON's paragraphs are the page's.
        for paragraph in &paragraphs {
            assert!(letters(&text).contains(&letters(paragraph)), "{paragraph}");
        }
        let pdf = get(&format!(
            "{base}/v1/reports/monthly.pdf?month=2024-04&lang={lang}"
        ));
        assert_eq!(
            (pdf.status, pdf.content_type.as_str()),
            (200, "application/pdf")
        );
        let text = pdf_text(&target, &format!("report-{lang}.pdf"), &pdf.body);
        assert_says_every_figure("PDF", lang, &text);
        assert!(
            letters(&text).contains(&letters(if lang == "ar" {
                "صفحة 1 من 3"
            } else {
                "Page 1 of 3"
            })),
            "page numbers:\n{text}"
        );
        assert!(
            text.contains("OCHA (CC BY 3.0 IGO)"),
            "attribution:\n{text}"
        );
        // The command line writes the same report.
        let out = target.dir().join(format!("april-{lang}.pdf"));
        let cli = target
            .athar()
            .args(["report", "--month", "2024-04", "--lang", lang, "--out"])
            .arg(&out)
            .run();
        assert!(
            cli.status.success(),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        assert!(
            std::fs::read(&out).unwrap() == pdf.body,
            "athar report --lang {lang} writes the served PDF"
        );
        if matches!(target, Target::Sqlite(_)) {
            render_first_page(&target, &format!("report-{lang}-page1"), &pdf.body);
        }
        // The charts' numbers are the text's.
        let weapons = get(&format!(
            "{base}/v1/reports/monthly/weapons.svg?month=2024-04&lang={lang}"
        ));
        assert_eq!(
            (weapons.status, weapons.content_type.as_str()),
            (200, "image/svg+xml")
        );
        let svg = String::from_utf8(weapons.body).unwrap();
        for number in [">44<", ">14<", ">4<", ">3<", ">2<"] {
            assert!(svg.contains(number), "{number} in {svg}");
        }
        let causes = get(&format!(
            "{base}/v1/reports/monthly/accident-causes.svg?month=2024-04&lang={lang}"
        ));
        let svg = String::from_utf8(causes.body).unwrap();
        for number in [">38%<", ">26%<", ">16%<", ">10%<"] {
            assert!(svg.contains(number), "{number} in {svg}");
        }
        for figure in ["casualties", "fire-places", "accident-causes", "map"] {
            let png = get(&format!(
                "{base}/v1/reports/monthly/{figure}.png?month=2024-04&lang={lang}"
            ));
            assert_eq!(
                (png.status, png.content_type.as_str()),
                (200, "image/png"),
                "{figure}"
            );
            assert!(png.body.starts_with(b"\x89PNG"));
        }
    }
    // A month with only drownings has no attack charts nor map; unknown figures and bad
    // parameters are client errors.
    for (url, status) in [
        ("/v1/reports/monthly/weapons.svg?month=2024-05", 404),
        ("/v1/reports/monthly/map.png?month=2024-05", 404),
        ("/v1/reports/monthly/volcano.svg?month=2024-04", 404),
        ("/v1/reports/monthly/weapons.gif?month=2024-04", 404),
        ("/v1/reports/monthly.pdf?month=2024-13", 400),
        ("/v1/reports/monthly.pdf", 400),
        ("/v1/reports/monthly.html?month=2024-04&lang=fr", 400),
        ("/v1/reports/monthly.pdf?month=2024-04&kind=fire", 400),
        ("/v1/reports/monthly.pdf?month=2024-04&release=no-such", 404),
    ] {
        assert_eq!(get(&format!("{base}{url}")).status, status, "{url}");
    }
    // A release of the month: its report names it and its hash, needs no month, and is
    // the same bytes every time.
    drop(server);
    let release = target
        .athar()
        .args(["release", "create", "2024-04", "--title", "April 2024"])
        .args(["--from", "2024-04-01", "--to", "2024-04-30"])
        .run();
    assert!(
        release.status.success(),
        "{}",
        String::from_utf8_lossy(&release.stderr)
    );
    let manifest: Value = serde_json::from_slice(&release.stdout).unwrap();
    let sha256 = manifest["sha256"].as_str().unwrap();
    let server = Server::start(target.athar().arg("serve").env("ATHAR_ADMIN_TOKEN", TOKEN));
    let base = &server.base;
    let first = get(&format!(
        "{base}/v1/reports/monthly.pdf?release=2024-04&lang=en"
    ));
    assert_eq!(first.status, 200);
    let again = get(&format!(
        "{base}/v1/reports/monthly.pdf?release=2024-04&lang=en"
    ));
    assert!(
        first.body == again.body,
        "a release's report is the same bytes every time"
    );
    let text = pdf_text(&target, "release.pdf", &first.body);
    assert!(
        text.contains(&format!("Release 2024-04, SHA-256 {sha256}"))
            || letters(&text).contains(&letters(&format!("Release 2024-04, SHA-256 {sha256}"))),
        "{text}"
    );
    let year = "Since 1 January, volunteers have responded to 220 attacks";
    assert!(!letters(&text).contains(&letters(year)));
    let all_but_the_year: Vec<&str> = sentences("en").into_iter().filter(|s| *s != year).collect();
    let read = letters(&text);
    for sentence in all_but_the_year {
        assert!(
            read.contains(&letters(sentence)),
            "the release PDF does not say {sentence}"
        );
    }
    let json = get_json(&format!("{base}/v1/reports/monthly.json?release=2024-04")).unwrap();
    assert_eq!(json["release"], json!("2024-04"));
    // The release holds April alone: it cannot count since 1 January.
    check_figures(&json, None);
    let cli = target.dir().join("release.pdf");
    let written = target
        .athar()
        .args(["report", "--release", "2024-04", "--lang", "en", "--out"])
        .arg(&cli)
        .run();
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    assert!(
        std::fs::read(&cli).unwrap() == first.body,
        "athar report --release writes the served PDF"
    );
}
