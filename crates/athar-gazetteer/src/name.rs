//! Community names as keys: what every spelling of one name folds to.
//!
//! [`community_key`] folds the differences that do not change a name:
//!
//! - compatibility and presentation forms (NFKD), diacritics and other combining marks,
//!   tatweel;
//! - the hamza and madda forms of alef (أ إ آ ٱ → ا), hamza on waw and yeh (ؤ → و,
//!   ئ → ي), taa marbuta (ة → ه), alef maqsura (ى → ي), Persian and Urdu yeh, kaf, heh;
//! - Arabic-Indic digits, case, punctuation, apostrophes and hyphens;
//! - the type words مدينة, بلدة, قرية (city, town, village) in front of a name, and their
//!   English forms, which say what kind of place it is, not which ([`kind_hint`] keeps
//!   them);
//! - the Latin forms of the Arabic article (al-, el-, an-, ash-…) as separate words;
//! - spaces, since writers join or split compound names (كفر نبل, كفرنبل; دير حافر).
//!
//! The words مخيم and تجمع (camp, camp cluster), حي (neighbourhood) and مزرعة (farm) are
//! kept: مخيم أطمة (Atmeh camp) is not أطمة (Atmeh), and two different places must never
//! share a key. Transliterations that differ in their vowels (Kafr Nabl, Kafranbel) are
//! told apart by the key and brought together by the gazetteer's alternate names or by
//! [`skeleton`] within an area.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::CommunityKind;

/// Type words dropped from the front of a key (folded forms), with the kind they hint at.
const DROPPED_TYPE_WORDS: [(&str, CommunityKind); 8] = [
    ("مدينه", CommunityKind::City),
    ("بلده", CommunityKind::Town),
    ("قريه", CommunityKind::Village),
    ("city", CommunityKind::City),
    ("town", CommunityKind::Town),
    ("village", CommunityKind::Village),
    ("madinat", CommunityKind::City),
    ("qaryat", CommunityKind::Village),
];

/// Type words kept in the key, since "camp X" or "farm X" is a place of its own.
const KEPT_TYPE_WORDS: [(&str, CommunityKind); 6] = [
    ("مخيم", CommunityKind::Camp),
    ("مخيمات", CommunityKind::Camp),
    ("تجمع", CommunityKind::Camp),
    ("حي", CommunityKind::Neighbourhood),
    ("مزرعه", CommunityKind::Village),
    ("camp", CommunityKind::Camp),
];

/// The Latin spellings of the Arabic article, written as a word of their own.
const LATIN_ARTICLES: [&str; 15] = [
    "al", "el", "an", "ar", "as", "ash", "ad", "at", "az", "ath", "adh", "aj", "es", "ed", "et",
];

/// Words that make a different place of the same name: east and west, upper and lower,
/// great and small. A name with one never fuzzily matches a name without it.
const QUALIFIERS: [&str; 24] = [
    "الشرقي",
    "الشرقيه",
    "الغربي",
    "الغربيه",
    "الشمالي",
    "الشماليه",
    "الجنوبي",
    "الجنوبيه",
    "الكبير",
    "الكبيره",
    "الكبري",
    "الصغير",
    "الصغيره",
    "الصغري",
    "فوقاني",
    "تحتاني",
    "الفوقاني",
    "التحتاني",
    "east",
    "west",
    "north",
    "south",
    "kabir",
    "saghir",
];

fn fold_letter(c: char) -> Option<char> {
    Some(match c {
        'ٱ' => 'ا',
        'ى' | 'ی' | 'ې' | 'ۍ' => 'ي',
        'ک' | 'ڪ' | 'گ' => 'ك',
        'ة' | 'ہ' | 'ھ' | 'ە' | 'ۀ' => 'ه',
        'ڤ' => 'ف',
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        // Tatweel, the apostrophes transliterations write for ayn and hamza, and marks of
        // direction (left-to-right and right-to-left marks, zero-width joiners).
        '\u{0640}' | '\'' | '`' | '’' | '‘' | 'ʿ' | 'ʾ' | 'ʻ' | 'ʼ' | '\u{200B}'..='\u{200F}' =>
        {
            return None;
        }
        c if c.is_alphanumeric() => c,
        _ => ' ',
    })
}

/// The folded words of a name, in order: letters folded, marks dropped, lower case.
pub fn words(name: &str) -> Vec<String> {
    // NFKD splits أ into ا + hamza above, ḩ into h + dot below, presentation forms into
    // letters; the combining marks (and Arabic diacritics) are then dropped.
    let folded: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter_map(fold_letter)
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().map(str::to_owned).collect()
}

/// The words after the type words in front (قرية, city…), keeping at least one.
fn without_type_words(words: &[String]) -> &[String] {
    let mut start = 0;
    while words.len() - start > 1
        && DROPPED_TYPE_WORDS
            .iter()
            .any(|(word, _)| *word == words[start])
    {
        start += 1;
    }
    &words[start..]
}

fn key_of_words(words: &[String]) -> String {
    let rest = without_type_words(words);
    let latin = rest.iter().all(|w| w.is_ascii());
    let mut key = String::new();
    for (index, word) in rest.iter().enumerate() {
        // An article is dropped when a word follows it ("al bab" → "bab").
        if latin && index + 1 < rest.len() && LATIN_ARTICLES.contains(&word.as_str()) {
            continue;
        }
        key.push_str(word);
    }
    key
}

/// The key under which every spelling of one community name groups together. A name
/// written with another in brackets or after a slash ("سرمدا (Sarmada)") is keyed by the
/// first.
pub fn community_key(name: &str) -> String {
    let first = name
        .split(ALIAS_SEPARATORS)
        .map(|part| key_of_words(&words(part)))
        .find(|key| !key.is_empty());
    first.unwrap_or_default()
}

/// What separates the names of one place written together.
const ALIAS_SEPARATORS: [char; 6] = ['/', '(', ')', '|', '،', ';'];

/// The kind of place a name's leading type word says it is (قرية → village, مخيم → camp).
pub fn kind_hint(name: &str) -> Option<CommunityKind> {
    let words = words(name);
    let first = words.first()?;
    DROPPED_TYPE_WORDS
        .iter()
        .chain(&KEPT_TYPE_WORDS)
        .find(|(word, _)| word == first)
        .map(|(_, kind)| *kind)
}

/// The qualifiers (east, west, upper, lower, great, small) a name carries, sorted.
pub fn qualifiers(name: &str) -> Vec<&'static str> {
    let words = words(name);
    let mut found: Vec<&'static str> = QUALIFIERS
        .iter()
        .copied()
        .filter(|q| words.iter().any(|w| w == q))
        .map(|q| q.trim_start_matches("ال"))
        .map(|q| q.trim_end_matches('ه'))
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// The names a written name stands for: itself, and when it holds several ("سرمدا /
/// Sarmada", "معرة النعمان (المعرة)"), each of them.
pub fn aliases(name: &str) -> Vec<String> {
    let mut names = vec![name.trim().to_owned()];
    let parts: Vec<String> = name
        .split(ALIAS_SEPARATORS)
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect();
    if parts.len() > 1 {
        names.extend(parts);
    }
    names.retain(|n| !key_of_words(&words(n)).is_empty());
    names.dedup();
    names
}

/// Whether a key is written in Latin letters (and digits).
pub fn is_latin(key: &str) -> bool {
    key.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A coarser key for finding candidates that differ in vowels and doubled letters: Kafr
/// Nabl, Kafranbel and Kafrnabel share one; so do معرة مصرين and معرتمصرين. Only used
/// among places of one area, and every candidate is then scored on the full key.
pub fn skeleton(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut previous = None;
    for c in key.chars() {
        let mapped = match c {
            // Vowels, and the letters taa marbuta is written as (ة, ه, and ت when a
            // compound is joined: معرة مصرين, معرتمصرين).
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' | 'h' | 'ا' | 'و' | 'ي' | 'ء' | 'ه' | 'ت' => {
                None
            }
            'q' | 'c' => Some('k'),
            'ث' | 'س' | 'ص' => Some('س'),
            'ذ' | 'ز' | 'ظ' | 'ض' => Some('ز'),
            'ح' | 'خ' => Some('ح'),
            'ع' | 'غ' => None,
            other => Some(other),
        };
        if let Some(mapped) = mapped
            && previous != Some(mapped)
        {
            out.push(mapped);
            previous = Some(mapped);
        }
    }
    if out.is_empty() { key.to_owned() } else { out }
}

/// How alike two keys are, from 0 (nothing shared) to 1 (equal): one minus the edit
/// distance over the longer length.
pub fn similarity(a: &[char], b: &[char]) -> f64 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    1.0 - edit_distance(a, b) as f64 / longest as f64
}

/// Levenshtein distance over letters (insertions, deletions and substitutions), with one
/// row of working memory on the stack for names of up to 64 letters.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut stack_row = [0usize; 65];
    let mut heap_row = Vec::new();
    let row: &mut [usize] = if b.len() < stack_row.len() {
        &mut stack_row[..=b.len()]
    } else {
        heap_row.resize(b.len() + 1, 0);
        &mut heap_row
    };
    for (j, cell) in row.iter_mut().enumerate() {
        *cell = j;
    }
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A name's cross-script key: the consonants a romanisation of it keeps, so that a Latin
/// spelling and the Arabic name it stands for fold alike (فطيرة, Fatira and Ftayreh are
/// all `ftr`; كنصفرة and Kansafrah `knsfr`; كفر تعال, Kafr Ta'al and Kafrtaal `kfrtl`).
///
/// The rules, one table for both scripts:
/// - the words are those of [`community_key`] (type words in front and Latin articles
///   dropped), and the Arabic article ال in front of a word too, as Latin writers drop it,
///   and `al`/`el` run into a later word (Rasm Eljahsh);
/// - qualifiers (east, big, upper, شرقي, كبيرة, فوقاني…) are left out: Latin puts them in
///   front and Arabic behind, and [`qualifier_classes`] compares them apart;
/// - the camp words (مخيم, مخيمات, تجمع, camp, camps) are left out wherever they stand and
///   the key ends in `#` instead: مخيم أطمة and Atmeh camp are `atm#`, أطمة is `atm`;
/// - a name that opens on a vowel (Latin a e i o u; Arabic alef, ع or hamza) starts with
///   `a`: Atmeh and أطمة are `atm`, Tama and طعوم `tm`;
/// - taa marbuta before another word is `t`, as it is said (خربة الذئب, Khirbet al-Zeeb);
/// - Latin digraphs first: `kh` → k (خ), `gh` → g (غ), `sh` and `ch` → s (ش), `th` → t
///   (ث), `dh` → d (ذ), `ph` → f;
/// - each letter to its consonant: ب p → b; ت ط ث t → t; ج j → j; خ ق ك k q c → k;
///   د ذ ض d → d; ر r → r; ز ظ z → z; س ص ش s → s; غ g → g; ف f v → f; ل l → l;
///   م m → m; ن n → n; digits stay;
/// - vowels and the letters writers render as vowels or leave out are dropped: ا و ي ى
///   and the hamzas, ع, ح and ه (and taa marbuta), a e i o u y w h;
/// - a letter repeated is kept once (Kafrtaal, Saraqeb, Sarmin).
///
/// Keys this short meet often by chance: the resolver compares them only within a row's
/// governorate and near its point, never across a qualifier, and takes no guess between
/// two candidates.
pub fn cross_script_key(name: &str) -> String {
    let first = name
        .split(ALIAS_SEPARATORS)
        .map(|part| {
            let words = words(part);
            let rest = without_type_words(&words);
            // Articles written as words of their own go first (so that `Madayn al-Kabir`
            // loses both), then the qualifiers.
            let camp = rest.iter().any(|word| CAMP_WORDS.contains(&word.as_str()));
            let rest: Vec<&String> = rest
                .iter()
                .enumerate()
                .filter(|(index, word)| {
                    index + 1 == rest.len() || !LATIN_ARTICLES.contains(&word.as_str())
                })
                .map(|(_, word)| word)
                .filter(|word| !is_qualifier(word) && !CAMP_WORDS.contains(&word.as_str()))
                .collect();
            let mut out = String::new();
            let mut previous = None;
            for (index, word) in rest.iter().enumerate() {
                let last = index + 1 == rest.len();
                // The article in front of a word: ال, and el- run into a later word
                // (Rasm Eljahsh, Ein Elosud; not al-, which starts names: Alwan).
                let stem = word
                    .strip_prefix("ال")
                    .or_else(|| (index > 0).then(|| word.strip_prefix("el")).flatten())
                    .filter(|stem| stem.chars().count() >= 3);
                let word = stem.unwrap_or(word.as_str());
                // A name that opens on a vowel (or ع or hamza) says so: Atmeh and أطمة are
                // not Tama and طعوم.
                if index == 0 && opens_on_vowel(word) {
                    out.push('a');
                }
                let mut letters = consonants(word);
                // Taa marbuta before another word is said, and written, as t (خربة الذئب,
                // Khirbet Al-Zeeb); folded, it is ه.
                if !last && word.ends_with('ه') {
                    letters.push('t');
                }
                for consonant in letters {
                    if previous != Some(consonant) {
                        out.push(consonant);
                        previous = Some(consonant);
                    }
                }
            }
            // A camp is not its town, in whichever place either script puts the word.
            if camp && !out.is_empty() {
                out.push('#');
            }
            out
        })
        .find(|key| !key.is_empty());
    first.unwrap_or_default()
}

/// The words that make a camp of a name, in either script (folded): Arabic puts them in
/// front (مخيم أطمة), English often behind (Atmeh camp).
const CAMP_WORDS: [&str; 5] = ["مخيم", "مخيمات", "تجمع", "camp", "camps"];

/// Whether a folded word opens on a vowel: in Arabic alef (any hamza form, folded), ع or a
/// hamza; in Latin a, e, i, o or u (y and w are consonants there, as ي and و are).
fn opens_on_vowel(word: &str) -> bool {
    matches!(
        word.chars().next(),
        Some('ا' | 'ع' | 'ء' | 'a' | 'e' | 'i' | 'o' | 'u')
    )
}

/// Words that qualify a place (east, great, upper…) in either script, beside
/// [`QUALIFIERS`], in the forms OCHA and field reports write (with or without the article):
/// left out of the cross-script key (where Latin and Arabic put them in different places),
/// and compared apart.
const MORE_QUALIFIERS: [&str; 43] = [
    "eastern",
    "western",
    "northern",
    "southern",
    "big",
    "great",
    "little",
    "small",
    "upper",
    "lower",
    "kbir",
    "sghir",
    "kabira",
    "saghira",
    "kubra",
    "sughra",
    "sharqi",
    "sharqiya",
    "sharqiyeh",
    "gharbi",
    "gharbiya",
    "gharbiyeh",
    "shamali",
    "shamaliya",
    "janubi",
    "janubiya",
    "fawqani",
    "foqani",
    "tahtani",
    "شرقي",
    "شرقيه",
    "غربي",
    "غربيه",
    "شمالي",
    "شماليه",
    "جنوبي",
    "جنوبيه",
    "كبير",
    "كبيره",
    "كبري",
    "صغير",
    "صغيره",
    "صغري",
];

/// Whether a folded word qualifies a place (see [`MORE_QUALIFIERS`]).
fn is_qualifier(word: &str) -> bool {
    QUALIFIERS.contains(&word) || MORE_QUALIFIERS.contains(&word)
}

/// The consonants of one folded word, by the table of [`cross_script_key`].
fn consonants(word: &str) -> Vec<char> {
    let letters: Vec<char> = word.chars().collect();
    let mut out = Vec::with_capacity(letters.len());
    let mut i = 0;
    while i < letters.len() {
        let pair = (letters[i], letters.get(i + 1).copied());
        let digraph = match pair {
            ('k', Some('h')) => Some('k'),
            ('g', Some('h')) => Some('g'),
            ('s' | 'c', Some('h')) => Some('s'),
            ('t', Some('h')) => Some('t'),
            ('d', Some('h')) => Some('d'),
            ('p', Some('h')) => Some('f'),
            _ => None,
        };
        if let Some(consonant) = digraph {
            out.push(consonant);
            i += 2;
            continue;
        }
        let mapped = match letters[i] {
            'ب' | 'b' | 'p' => Some('b'),
            'ت' | 'ط' | 'ث' | 't' => Some('t'),
            'ج' | 'j' => Some('j'),
            'خ' | 'ق' | 'ك' | 'k' | 'q' | 'c' => Some('k'),
            'د' | 'ذ' | 'ض' | 'd' => Some('d'),
            'ر' | 'r' => Some('r'),
            'ز' | 'ظ' | 'z' => Some('z'),
            'س' | 'ص' | 'ش' | 's' => Some('s'),
            'غ' | 'g' => Some('g'),
            'ف' | 'f' | 'v' => Some('f'),
            'ل' | 'l' => Some('l'),
            'م' | 'm' => Some('m'),
            'ن' | 'n' => Some('n'),
            'x' => {
                out.push('k');
                Some('s')
            }
            c if c.is_ascii_digit() => Some(c),
            _ => None,
        };
        out.extend(mapped);
        i += 1;
    }
    out
}

/// The qualifiers a name carries, as classes shared by both scripts (`east`, `west`,
/// `north`, `south`, `great`, `small`, `upper`, `lower`), sorted: الشرقية and Eastern are
/// both `east`, كبرى, Kabir and Big are all `great`. The cross-script match never pairs
/// names whose classes differ.
pub fn qualifier_classes(name: &str) -> Vec<&'static str> {
    let mut classes: Vec<&'static str> = words(name)
        .iter()
        .filter_map(|word| {
            let word = word.strip_prefix("ال").unwrap_or(word);
            Some(match word {
                "east" | "eastern" | "sharqi" | "sharqiya" | "sharqiyeh" | "شرقي" | "شرقيه" => {
                    "east"
                }
                "west" | "western" | "gharbi" | "gharbiya" | "gharbiyeh" | "غربي" | "غربيه" => {
                    "west"
                }
                "north" | "northern" | "shamali" | "shamaliya" | "شمالي" | "شماليه" => {
                    "north"
                }
                "south" | "southern" | "janubi" | "janubiya" | "جنوبي" | "جنوبيه" => {
                    "south"
                }
                "kabir" | "kbir" | "kabira" | "kubra" | "big" | "great" | "كبير" | "كبيره"
                | "كبري" => "great",
                "saghir" | "sghir" | "saghira" | "sughra" | "small" | "little" | "صغير"
                | "صغيره" | "صغري" => "small",
                "upper" | "fawqani" | "foqani" | "فوقاني" => "upper",
                "lower" | "tahtani" | "تحتاني" => "lower",
                _ => return None,
            })
        })
        .collect();
    classes.sort_unstable();
    classes.dedup();
    classes
}

/// A name as it should be shown: the type words in front (قرية, بلدة, مدينة, village,
/// town, city) left out and the rest as written, letters unfolded (`قرية فطيرة` is shown
/// `فطيرة`, never the key `فطيره`). A name that is only a type word is kept.
pub fn display_form(name: &str) -> String {
    let written: Vec<&str> = name.split_whitespace().collect();
    let mut start = 0;
    while written.len() - start > 1 {
        let folded = words(written[start]);
        let is_type_word = matches!(folded.as_slice(), [word]
            if DROPPED_TYPE_WORDS.iter().any(|(type_word, _)| type_word == word));
        if !is_type_word {
            break;
        }
        start += 1;
    }
    written[start..].join(" ")
}

/// How many letters of a spelling its key folds away (ة, the hamza forms of alef, ى, ؤ,
/// ئ): of two spellings of one name, the one with more is the name as written in full
/// (فطيرة, not the key-like فطيره; أطمة, not اطمه).
pub fn unfolded_letters(name: &str) -> usize {
    name.chars()
        .filter(|c| matches!(c, 'ة' | 'أ' | 'إ' | 'آ' | 'ى' | 'ؤ' | 'ئ'))
        .count()
}

/// A Latin name for an Arabic one, for places known only by their Arabic name: a
/// simplified romanisation in the manner of BGN/PCGN without diacritics, with the short
/// vowels Arabic leaves unwritten supplied as `a` where a syllable needs one.
///
/// The rules, by letter: ب b, ت t, ث th, ج j, ح h, خ kh, د d, ذ dh, ر r, ز z, س s, ش sh,
/// ص s, ض d, ط t, ظ z, ع ' (left out at the start of a word), غ gh, ف f, ق q, ك k, ل l,
/// م m, ن n, ه h, ء ' ; ا a; و and ي are `u` and `i` after a consonant and before a
/// consonant or the end, otherwise `w` and `y`; taa marbuta (and ه ending a word) `a`,
/// and `at` before another word. The article ال is `al-` in front of a word of three or
/// more letters. A word never starts with two consonants and never holds three in a row:
/// `a` goes between (فطيرة → Fatira, كنصفرة → Kansafra, كفر تعال → Kafr Ta'al). The camp
/// words are `Camp` (مخيم) and `Camps` (مخيمات, تجمع), the qualifiers the forms the
/// qualifier lists know (Sharqi, Gharbi, Kabir, Saghir, Fawqani…). Each
/// word starts with a capital, the article after the first word does not (رسم الجحش →
/// Rasm al-Jahsh). Only the consonants matter to matching: the romanisation of a name has
/// the same [`cross_script_key`] as the name. A name with no Arabic letters is returned as
/// written.
pub fn romanise(name: &str) -> String {
    if !name.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) {
        return name.trim().to_owned();
    }
    let all = words(name);
    let words = without_type_words(&all);
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (index, word) in words.iter().enumerate() {
        // Taa marbuta is `at` before another word, but not before a qualifier (بويضة
        // كبيرة is Buwayda Kabir), as in the cross-script key.
        let last = words[index + 1..].iter().all(|next| is_qualifier(next));
        let (article, stem) = match word.strip_prefix("ال") {
            Some(stem) if stem.chars().count() >= 3 => (true, stem),
            _ => (false, word.as_str()),
        };
        // A qualifier in the Latin form the qualifier lists know.
        let qualifier = qualifier_classes(word).first().map(|class| match *class {
            "east" => "Sharqi",
            "west" => "Gharbi",
            "north" => "Shamali",
            "south" => "Janubi",
            "great" => "Kabir",
            "small" => "Saghir",
            "upper" => "Fawqani",
            _ => "Tahtani",
        });
        if let Some(qualifier) = qualifier.filter(|_| words.len() > 1) {
            out.push(qualifier.to_owned());
            continue;
        }
        // The camp words, as English writes them.
        match word.as_str() {
            "مخيم" => {
                out.push("Camp".to_owned());
                continue;
            }
            "مخيمات" | "تجمع" => {
                out.push("Camps".to_owned());
                continue;
            }
            _ => {}
        }
        let mut latin = romanise_word(stem, !last);
        // A word that reads as a Latin article (Ar, Ash, Az) would be taken for one: its
        // vowel is doubled, as ع often is written (تل عار, Tal Aar).
        if LATIN_ARTICLES.contains(&latin.as_str()) {
            latin.insert(0, 'a');
        }
        if let Some(first) = latin.chars().position(char::is_alphabetic) {
            let mut chars: Vec<char> = latin.chars().collect();
            chars[first] = chars[first].to_ascii_uppercase();
            latin = chars.into_iter().collect();
        }
        out.push(match (article, index) {
            (true, 0) => format!("Al-{latin}"),
            (true, _) => format!("al-{latin}"),
            (false, _) => latin,
        });
    }
    out.join(" ")
}

/// One folded Arabic word in Latin letters (see [`romanise`]); `joined` when another word
/// follows, where taa marbuta is said `at`.
fn romanise_word(word: &str, joined: bool) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum Sound {
        Consonant(&'static str),
        Vowel(&'static str),
    }
    let letters: Vec<char> = word.chars().collect();
    let consonant = |c: char| -> Option<&'static str> {
        Some(match c {
            'ب' => "b",
            'ت' | 'ط' => "t",
            'ث' => "th",
            'ج' => "j",
            'ح' | 'ه' => "h",
            'خ' => "kh",
            'د' | 'ض' => "d",
            'ذ' => "dh",
            'ر' => "r",
            'ز' | 'ظ' => "z",
            'س' | 'ص' => "s",
            'ش' => "sh",
            'ع' | 'ء' => "'",
            'غ' => "gh",
            'ف' => "f",
            'ق' => "q",
            'ك' => "k",
            'ل' => "l",
            'م' => "m",
            'ن' => "n",
            _ => return None,
        })
    };
    let mut sounds: Vec<Sound> = Vec::with_capacity(letters.len() + 2);
    for (i, &c) in letters.iter().enumerate() {
        let last = i + 1 == letters.len();
        let after_consonant = matches!(sounds.last(), Some(Sound::Consonant(_)));
        let before_vowel = letters
            .get(i + 1)
            .is_some_and(|&next| next == 'ا' || next == 'ه' && i + 2 == letters.len());
        let sound = match c {
            'ه' if last && i > 0 => Sound::Vowel(if joined { "at" } else { "a" }),
            'ا' => Sound::Vowel("a"),
            'و' if after_consonant && !before_vowel => Sound::Vowel("u"),
            'ي' if after_consonant && !before_vowel => Sound::Vowel("i"),
            'و' => Sound::Consonant("w"),
            'ي' => Sound::Consonant("y"),
            c if c.is_ascii_digit() => Sound::Consonant(match c {
                '0' => "0",
                '1' => "1",
                '2' => "2",
                '3' => "3",
                '4' => "4",
                '5' => "5",
                '6' => "6",
                '7' => "7",
                '8' => "8",
                _ => "9",
            }),
            c => match consonant(c) {
                Some(latin) => Sound::Consonant(latin),
                None => continue,
            },
        };
        // A word never starts with two consonants, nor holds three in a row.
        if let Sound::Consonant(_) = sound {
            let run = sounds
                .iter()
                .rev()
                .take_while(|s| matches!(s, Sound::Consonant(_)))
                .count();
            if run == sounds.len() && run == 1 || run >= 2 {
                sounds.push(Sound::Vowel("a"));
            }
        }
        sounds.push(sound);
    }
    let mut latin = String::new();
    for (i, sound) in sounds.iter().enumerate() {
        match sound {
            // ع and hamza opening a word are not written.
            Sound::Consonant("'") if i == 0 => {}
            Sound::Consonant(text) | Sound::Vowel(text) => latin.push_str(text),
        }
    }
    latin
}

#[cfg(test)]
mod tests {

    #[test]
    fn latin_spellings_and_arabic_names_share_a_cross_script_key() {
        for (names, key) in [
            (
                &["فطيرة", "Fatira", "Ftayreh", "Ftireh", "قرية فطيرة"][..],
                "ftr",
            ),
            (&["كنصفرة", "Kansafra", "Kansafrah", "Kansafreh"], "knsfr"),
            (
                &["كفر تعال", "كفرتعال", "Kafr Ta'al", "Kafrtaal", "Kfar Taal"],
                "kfrtl",
            ),
            (&["أطمة", "Atmeh", "Atma"], "atm"),
            (&["سفوهن", "Sfuhen", "Sfouhen"], "sfn"),
            (&["البارة", "Bara", "Al-Bara", "el Bara"], "br"),
            (&["تقاد", "Tqad", "Taqad"], "tkd"),
            (&["سراقب", "Saraqib", "Saraqeb"], "srkb"),
            (&["خان شيخون", "Khan Shaykhun", "Khan Sheikhoun"], "knskn"),
            (&["دير الزور", "Deir ez-Zor", "Deir al-Zour"], "drzr"),
            (&["رسم الجحش", "Rasm Eljahsh", "Rasm al-Jahsh"], "rsmjs"),
            (&["خالدية عفرين", "Khaldiyet Afrin"], "kldtfrn"),
            (&["عفرين", "Afrin", "Efrin"], "afrn"),
            (&["بويضة كبيرة", "Big Bweideh", "Bweideh Kabir"], "bd"),
            (&["مسكة فوقاني", "Upper Maskeh"], "msk"),
        ] {
            for name in names {
                assert_eq!(cross_script_key(name), key, "{name}");
            }
        }
    }

    #[test]
    fn different_places_keep_different_cross_script_keys() {
        let keys: Vec<String> = [
            "Sarmin", "Sarmada", "Saraqib", "Binnish", "Taftanaz", "Ariha",
        ]
        .iter()
        .map(|name| cross_script_key(name))
        .collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "{keys:?}");
        // A camp is not its town, whichever side the word stands.
        assert_ne!(cross_script_key("مخيم أطمة"), cross_script_key("أطمة"));
        assert_eq!(
            cross_script_key("مخيم أطمة"),
            cross_script_key("Atmeh camp")
        );
        assert_eq!(cross_script_key("Camp Atma"), "atm#");
    }
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edit_distances_agree_with_strsim() {
        for (a, b) in [
            ("kitten", "sitting"),
            ("", "abc"),
            ("كفرنبل", "كفرنبوده"),
            ("same", "same"),
        ] {
            let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            assert_eq!(
                edit_distance(&x, &y),
                strsim::levenshtein(a, b),
                "{a} / {b}"
            );
        }
        let long: Vec<char> = "a".repeat(100).chars().collect();
        assert_eq!(edit_distance(&long, &long[..30]), 70);
    }

    fn same(a: &str, b: &str) {
        assert_eq!(community_key(a), community_key(b), "{a} / {b}");
    }

    #[test]
    fn hamza_and_madda_forms_of_alef_group_together() {
        same("أريحا", "اريحا");
        same("إحسم", "احسم");
        same("آفس", "افس");
        same("ٱريحا", "اريحا");
    }

    #[test]
    fn taa_marbuta_and_haa_group_together() {
        same("فطيرة", "فطيره");
        same("معرة النعمان", "معره النعمان");
    }

    #[test]
    fn alef_maqsura_persian_letters_and_hamza_carriers_group_together() {
        same("كفر عويد الكبرى", "كفر عويد الكبري");
        same("کفرنبل", "كفرنبل");
        same("بئر", "بير");
        same("مؤتة", "موته");
    }

    #[test]
    fn diacritics_tatweel_and_direction_marks_are_ignored() {
        same("سَرْمِين", "سرمين");
        same("ســرمــين", "سرمين");
        same("الحولة\u{200e}", "الحولة");
    }

    #[test]
    fn type_prefixes_are_dropped_but_camp_is_kept_and_both_hint_the_kind() {
        same("قرية فطيرة", "فطيرة");
        same("مدينة إدلب", "ادلب");
        same("بلدة سرمين", "سرمين");
        same("Village Fatira", "Fatira");
        assert_ne!(community_key("مخيم أطمة"), community_key("أطمة"));
        same("مخيّم  أطمه", "مخيم أطمة");
        assert_eq!(kind_hint("مخيم أطمة"), Some(CommunityKind::Camp));
        assert_eq!(kind_hint("قرية فطيرة"), Some(CommunityKind::Village));
        assert_eq!(kind_hint("فطيرة"), None);
        // A name that is only a type word keeps it.
        assert_eq!(community_key("مدينة"), community_key("مدينه"));
        assert!(!community_key("مدينة").is_empty());
    }

    #[test]
    fn spaces_hyphens_case_and_latin_articles_are_ignored() {
        same("كفر نبل", "كفرنبل");
        same("Kafr-Nabl", "kafr nabl");
        same("Ma'arrat al-Nu'man", "Maarrat An Numan");
        same("Ḩārim", "Harim");
        same("Al Bab", "Bab");
        same("Ash Shaykh Najjar", "Shaykh Najjar");
    }

    #[test]
    fn transliterations_share_a_skeleton() {
        let skeleton_of = |name: &str| skeleton(&community_key(name));
        assert_eq!(skeleton_of("Kafr Nabl"), skeleton_of("Kafranbel"));
        assert_eq!(skeleton_of("Kafrnabel"), skeleton_of("Kafranbel"));
        assert_eq!(
            skeleton_of("Maarat al-Numan"),
            skeleton_of("Ma'arrat an Nu'man")
        );
        assert_eq!(skeleton_of("معرة مصرين"), skeleton_of("معرتمصرين"));
        assert_ne!(skeleton_of("كفرنبل"), skeleton_of("كفرنبودة"));
    }

    #[test]
    fn qualifiers_are_found_in_either_script() {
        assert_eq!(qualifiers("الدير الشرقي"), vec!["شرقي"]);
        assert_eq!(qualifiers("أورم الكبرى"), vec!["كبري"]);
        assert!(qualifiers("أورم").is_empty());
        assert_eq!(qualifiers("Tall Rifat East"), vec!["east"]);
    }

    #[test]
    fn names_split_into_aliases_on_slashes_and_brackets() {
        assert_eq!(
            aliases("معرة النعمان (المعرة)"),
            vec!["معرة النعمان (المعرة)", "معرة النعمان", "المعرة"]
        );
        assert_eq!(
            aliases("سرمدا / Sarmada"),
            vec!["سرمدا / Sarmada", "سرمدا", "Sarmada"]
        );
        assert_eq!(aliases("سرمدا"), vec!["سرمدا"]);
    }

    #[test]
    fn different_places_keep_different_keys() {
        assert_ne!(community_key("كفرنبل"), community_key("كفرنبودة"));
        assert_ne!(community_key("سرمين"), community_key("سرمدا"));
        assert_ne!(community_key("Binnish"), community_key("Sarmin"));
    }

    #[test]
    fn arabic_indic_digits_become_ascii() {
        same("مخيم ٣", "مخيم 3");
        same("مخيم ۳", "مخيم 3");
    }

    proptest! {
        #[test]
        fn the_key_is_idempotent_and_never_has_spaces(name in "\\PC{0,24}") {
            let key = community_key(&name);
            prop_assert!(!key.contains(char::is_whitespace));
            prop_assert_eq!(community_key(&key), key.clone());
        }
    }
}
