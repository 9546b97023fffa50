//! Rectangles and the label placer's collision test.

/// An axis-aligned rectangle in CSS pixels (y grows downwards).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub(crate) const fn new(x: f64, y: f64, width: f64, height: f64) -> Self {
        Self {
            x,
            y,
            width,
            height,
        }
    }

    pub(crate) fn right(&self) -> f64 {
        self.x + self.width
    }

    pub(crate) fn bottom(&self) -> f64 {
        self.y + self.height
    }

    /// The rectangle grown by `by` on every side (shrunk when negative).
    pub(crate) fn grown(&self, by: f64) -> Self {
        Self::new(
            self.x - by,
            self.y - by,
            self.width + 2.0 * by,
            self.height + 2.0 * by,
        )
    }

    pub(crate) fn intersects(&self, other: &Self) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }

    pub(crate) fn contains(&self, other: &Self) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }
}

/// Greedy label placement: a label is kept when its box lies inside the bounds and
/// overlaps nothing kept before (labels, dots of labelled places, legend, north arrow,
/// scale bar). Labels are offered most important first, each with a few candidate
/// positions in order of preference; a position clear of the map's symbols as well is
/// preferred; when none is, the one covering the fewest symbols is taken (its halo keeps
/// it legible).
#[derive(Debug)]
pub(crate) struct LabelPlacer {
    bounds: Rect,
    occupied: Vec<Rect>,
    symbols: Vec<Rect>,
}

impl LabelPlacer {
    pub(crate) fn new(bounds: Rect) -> Self {
        Self {
            bounds,
            occupied: Vec::new(),
            symbols: Vec::new(),
        }
    }

    /// Marks an area as taken.
    pub(crate) fn occupy(&mut self, area: Rect) {
        self.occupied.push(area);
    }

    /// Marks a symbol that labels should rather not cover.
    pub(crate) fn avoid(&mut self, symbol: Rect) {
        self.symbols.push(symbol);
    }

    /// Whether `area` lies inside the bounds and overlaps nothing taken.
    pub(crate) fn is_free(&self, area: &Rect) -> bool {
        self.bounds.contains(area) && !self.occupied.iter().any(|taken| taken.intersects(area))
    }

    fn symbols_covered(&self, area: &Rect) -> usize {
        self.symbols
            .iter()
            .filter(|symbol| symbol.intersects(area))
            .count()
    }

    /// The index of the free candidate covering the fewest symbols (the earliest among
    /// equals); it becomes taken.
    pub(crate) fn place(&mut self, candidates: &[Rect]) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (index, area) in candidates.iter().enumerate() {
            if !self.is_free(area) {
                continue;
            }
            let covered = self.symbols_covered(area);
            if best.is_none_or(|(_, fewest)| covered < fewest) {
                best = Some((index, covered));
            }
            if covered == 0 {
                break;
            }
        }
        let (chosen, _) = best?;
        self.occupy(candidates[chosen]);
        Some(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touching_rectangles_do_not_overlap() {
        let a = Rect::new(0.0, 0.0, 10.0, 10.0);
        assert!(!a.intersects(&Rect::new(10.0, 0.0, 5.0, 5.0)));
        assert!(a.intersects(&Rect::new(9.0, 9.0, 5.0, 5.0)));
    }

    #[test]
    fn the_placer_takes_the_first_free_candidate_inside_the_bounds() {
        let mut placer = LabelPlacer::new(Rect::new(0.0, 0.0, 100.0, 100.0));
        placer.occupy(Rect::new(0.0, 0.0, 50.0, 50.0));
        let candidates = [
            Rect::new(10.0, 10.0, 20.0, 10.0), // under the taken area
            Rect::new(90.0, 60.0, 20.0, 10.0), // outside the bounds
            Rect::new(60.0, 60.0, 20.0, 10.0),
        ];
        assert_eq!(placer.place(&candidates), Some(2));
        // Now taken as well.
        assert_eq!(placer.place(&candidates[2..]), None);
    }

    #[test]
    fn labels_avoid_symbols_when_they_can() {
        let mut placer = LabelPlacer::new(Rect::new(0.0, 0.0, 100.0, 100.0));
        placer.avoid(Rect::new(0.0, 0.0, 10.0, 10.0));
        let over_the_symbol = Rect::new(5.0, 5.0, 10.0, 10.0);
        let beside_it = Rect::new(20.0, 5.0, 10.0, 10.0);
        assert_eq!(placer.place(&[over_the_symbol, beside_it]), Some(1));
        // With no other choice, a label may cover a symbol, as few as it can.
        placer.avoid(Rect::new(40.0, 40.0, 10.0, 10.0));
        placer.avoid(Rect::new(45.0, 45.0, 10.0, 10.0));
        let over_two = Rect::new(40.0, 40.0, 10.0, 10.0);
        let over_one = Rect::new(0.0, 10.0, 10.0, 10.0);
        assert_eq!(placer.place(&[over_two, over_one]), Some(1));
    }
}
