//! The cache imports resolve through gives the answers of the gazetteer itself, row by
//! row, however often a name repeats with a different area or point.

use athar_core::{CommunityResolver, NameContext, Pcode, Point};
use athar_gazetteer::{Gazetteer, NameCache};

#[test]
fn cached_names_resolve_as_the_gazetteer_does_for_every_row() {
    let gazetteer = Gazetteer::bundled();
    let cache = NameCache::new(&gazetteer);
    let names = [
        "سرمين",
        "Sarmin",
        "سرمين ",
        "Ariha",
        "أريحا",
        "Binnish",
        "Atarib",
        "الأتارب",
        "Kafr Nobol",
        "Jisr al-Shughur",
        "ادلب",
        "Idleb city",
        "a village that does not exist",
        "",
    ];
    let points = [
        None,
        Some((36.72, 35.9)),  // Sarmin
        Some((36.61, 35.81)), // Ariha
        Some((36.32, 35.81)), // Jisr al-Shughur
        Some((38.0, 35.0)),   // far from all of them
    ];
    let areas = [None, Some("Idleb"), Some("Aleppo")];
    let pcode = Pcode::parse("C4009").ok();
    let mut resolved = 0;
    // Twice over, so that the second pass is answered from the cache.
    for _ in 0..2 {
        for name in names {
            for point in points {
                for admin1 in areas {
                    for pcode in [None, pcode.as_ref()] {
                        let point = point.map(|(lon, lat)| Point::from_degrees(lon, lat).unwrap());
                        let context = NameContext {
                            pcode,
                            admin1,
                            point,
                        };
                        let direct = CommunityResolver::resolve(&gazetteer, name, &context);
                        let cached = cache.resolve(name, &context);
                        assert_eq!(direct, cached, "{name} at {point:?} in {admin1:?}");
                        assert_eq!(gazetteer.key(name), cache.key(name));
                        resolved += usize::from(direct.is_some());
                    }
                }
            }
        }
    }
    // The cases are not all trivially unresolved, nor all resolved.
    assert!(resolved > 100, "{resolved}");
    assert!(resolved < 2 * names.len() * points.len() * areas.len() * 2);
}
