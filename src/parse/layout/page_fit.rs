//! Page geometry: the scale and shift of a page's amounts against the
//! reference page, and the matching of one line's amounts to the columns.

/// How a page's positions map onto the reference page's: a converter lays
/// out every page on its own, so the columns of one page may stand
/// further apart or closer together than those of another, all at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PageFit {
    /// Per mille.
    pub(super) scale: i64,
    pub(super) shift: i64,
}

impl PageFit {
    pub(super) const SAME: PageFit = PageFit {
        scale: 1000,
        shift: 0,
    };
    pub(super) fn apply(self, x: usize) -> usize {
        let y = (x as i64 * self.scale + 500).div_euclid(1000) + self.shift;
        y.max(0) as usize
    }
}

/// Least total distance of a monotone matching of `edges` into
/// `reference` (no shift); 0 when there are more edges than columns.
///
/// The dp over (edges matched, columns used) is computed one row at a
/// time in `dp` (reused between calls) and only over the cells the last
/// one depends on: edge `i` (from 1) can only go to columns `i..=m - k +
/// i`, since the edges after it need a column each.
fn match_cost_in(edges: &[usize], reference: &[usize], dp: &mut Vec<usize>) -> usize {
    let (k, m) = (edges.len(), reference.len());
    if k > m {
        return 0;
    }
    let inf = usize::MAX / 4;
    dp.clear();
    dp.resize(m + 1, 0);
    let width = m - k;
    for (i, &e) in edges.iter().enumerate() {
        // Row i + 1 over the previous row, kept in place: `diag` is the
        // previous row's value at j - 1, `left` this row's.
        let mut diag = dp[i];
        let mut left = inf;
        for j in i + 1..=i + 1 + width {
            let here = diag.saturating_add(e.abs_diff(reference[j - 1]));
            diag = dp[j];
            left = here.min(left);
            dp[j] = left;
        }
    }
    dp[m]
}

/// One amount line of a page block, or several with the same right edges
/// (they cost the same under every fit).
struct Line {
    edges: Vec<usize>,
    count: usize,
}

/// Reusable buffers of [`fit_cost_below`].
#[derive(Default)]
struct Scratch {
    /// Every line's edges under the current scale (no shift yet), one
    /// line after the other in the order of the lines.
    scaled: Vec<i64>,
    edges: Vec<usize>,
    dp: Vec<usize>,
}

/// The total cost of the lines under one shift of the scaled edges in
/// `scratch.scaled`, or None as soon as the partial sum reaches `bound`
/// (costs are never negative, so the total would too).
fn fit_cost_below(
    lines: &[Line],
    shift: i64,
    reference: &[usize],
    bound: usize,
    scratch: &mut Scratch,
) -> Option<usize> {
    let Scratch { scaled, edges, dp } = scratch;
    let mut total = 0usize;
    let mut at = 0;
    for l in lines {
        let n = l.edges.len();
        edges.clear();
        edges.extend(
            scaled[at..at + n]
                .iter()
                .map(|&y| (y + shift).max(0) as usize),
        );
        at += n;
        total = total.saturating_add(l.count.saturating_mul(match_cost_in(edges, reference, dp)));
        if total >= bound {
            return None;
        }
    }
    Some(total)
}

/// Per page (block of lines under one printing of the header), the
/// scale and shift that bring its amounts' right edges nearest the
/// reference columns, when that beats leaving them as they are by a clear
/// margin.
///
/// The fit is the first of the least total cost in the grid of scales
/// (850..=1150 per mille by 10) by shifts (-30..=30), scale-major, and
/// must cost at least one per line less than the identity. The search
/// skips what cannot change that choice: a fit is dropped as soon as its
/// partial cost reaches the best so far (or the most a fit may cost to be
/// taken), and lines with the same edges are scored once.
pub(super) fn page_fits(
    amounts: &[Vec<(usize, usize)>],
    block: &[usize],
    reference: &[usize],
) -> std::collections::HashMap<usize, PageFit> {
    let mut out = std::collections::HashMap::new();
    let mut blocks: Vec<usize> = block.to_vec();
    blocks.sort_unstable();
    blocks.dedup();
    if blocks.len() < 2 {
        return out;
    }
    let mut scratch = Scratch::default();
    for b in blocks {
        let mut all: Vec<Vec<usize>> = amounts
            .iter()
            .zip(block)
            .filter(|(a, bl)| **bl == b && !a.is_empty() && a.len() <= reference.len())
            .map(|(a, _)| a.iter().map(|x| x.1).collect())
            .collect();
        if all.is_empty() {
            continue;
        }
        let lines_n = all.len();
        all.sort_unstable();
        let mut lines: Vec<Line> = Vec::new();
        for e in all {
            match lines.last_mut() {
                Some(l) if l.edges == e => l.count += 1,
                _ => lines.push(Line { edges: e, count: 1 }),
            }
        }
        // The heaviest lines first, so that a poor fit is dropped early
        // (the order of a sum does not change it).
        lines.sort_by_key(|l| std::cmp::Reverse(l.count * l.edges.len()));
        let same: usize = lines
            .iter()
            .map(|l| {
                l.count
                    .saturating_mul(match_cost_in(&l.edges, reference, &mut scratch.dp))
            })
            .fold(0usize, usize::saturating_add);
        // A fit must explain the page clearly better than the identity:
        // by one per line at least.
        let Some(most) = same.checked_sub(lines_n) else {
            continue;
        };
        let mut bound = most + 1;
        let mut best: Option<PageFit> = None;
        'grid: for scale in (850..=1150).step_by(10) {
            scratch.scaled.clear();
            for l in &lines {
                scratch.scaled.extend(
                    l.edges
                        .iter()
                        .map(|&x| (x as i64 * scale + 500).div_euclid(1000)),
                );
            }
            for shift in -30..=30 {
                if let Some(c) = fit_cost_below(&lines, shift, reference, bound, &mut scratch) {
                    bound = c;
                    best = Some(PageFit { scale, shift });
                    if c == 0 {
                        break 'grid;
                    }
                }
            }
        }
        if let Some(f) = best.filter(|&f| f != PageFit::SAME) {
            out.insert(b, f);
        }
    }
    out
}

/// Matches a line's amount right edges (in order) to reference columns:
/// a monotone matching plus one shift for the whole line, at the least
/// total distance (a shift costs a little, so a lone amount goes to the
/// nearest column).
pub(super) fn match_to_reference(edges: &[usize], reference: &[usize]) -> Vec<usize> {
    let (k, m) = (edges.len(), reference.len());
    if k >= m {
        return (0..k).map(|i| i.min(m - 1)).collect();
    }
    let mut shifts: Vec<i64> = vec![0];
    for &e in edges {
        for &r in reference {
            shifts.push(r as i64 - e as i64);
        }
    }
    shifts.sort_unstable();
    shifts.dedup();
    let mut best: Option<(i64, Vec<usize>)> = None;
    for s in shifts {
        let inf = i64::MAX / 4;
        // dp[i][j]: first i edges matched within the first j columns.
        let mut dp = vec![vec![inf; m + 1]; k + 1];
        let mut take = vec![vec![false; m + 1]; k + 1];
        dp[0].fill(0);
        for i in 1..=k {
            for j in i..=m {
                let skip = dp[i][j - 1];
                let d = (edges[i - 1] as i64 + s - reference[j - 1] as i64).abs();
                let here = dp[i - 1][j - 1].saturating_add(d);
                if here <= skip {
                    dp[i][j] = here;
                    take[i][j] = true;
                } else {
                    dp[i][j] = skip;
                }
            }
        }
        let total = dp[k][m] + 2 * s.abs();
        if best.as_ref().is_none_or(|(b, _)| total < *b) {
            let mut out = vec![0; k];
            let (mut i, mut j) = (k, m);
            while i > 0 {
                if take[i][j] {
                    out[i - 1] = j - 1;
                    i -= 1;
                }
                j -= 1;
            }
            best = Some((total, out));
        }
    }
    best.map(|b| b.1).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The straightforward dp the fit was first written with.
    fn match_cost_reference(edges: &[usize], reference: &[usize]) -> usize {
        let (k, m) = (edges.len(), reference.len());
        if k > m {
            return 0;
        }
        let inf = usize::MAX / 4;
        let mut dp = vec![vec![inf; m + 1]; k + 1];
        dp[0].fill(0);
        for i in 1..=k {
            for j in i..=m {
                let here = dp[i - 1][j - 1].saturating_add(edges[i - 1].abs_diff(reference[j - 1]));
                dp[i][j] = here.min(dp[i][j - 1]);
            }
        }
        dp[k][m]
    }

    /// The brute-force grid search [`page_fits`] must agree with: every
    /// fit scored over every line, the first strictly smaller cost wins.
    fn page_fits_reference(
        amounts: &[Vec<(usize, usize)>],
        block: &[usize],
        reference: &[usize],
    ) -> std::collections::HashMap<usize, PageFit> {
        let mut out = std::collections::HashMap::new();
        let mut blocks: Vec<usize> = block.to_vec();
        blocks.sort_unstable();
        blocks.dedup();
        if blocks.len() < 2 {
            return out;
        }
        for b in blocks {
            let lines: Vec<Vec<usize>> = amounts
                .iter()
                .zip(block)
                .filter(|(a, bl)| **bl == b && !a.is_empty() && a.len() <= reference.len())
                .map(|(a, _)| a.iter().map(|x| x.1).collect())
                .collect();
            if lines.is_empty() {
                continue;
            }
            let cost = |f: PageFit| -> usize {
                lines
                    .iter()
                    .map(|l| {
                        let e: Vec<usize> = l.iter().map(|&x| f.apply(x)).collect();
                        match_cost_reference(&e, reference)
                    })
                    .sum()
            };
            let same = cost(PageFit::SAME);
            let mut best = (same, PageFit::SAME);
            if same == 0 {
                continue;
            }
            for scale in (850..=1150).step_by(10) {
                for shift in -30..=30 {
                    let f = PageFit { scale, shift };
                    let c = cost(f);
                    if c < best.0 {
                        best = (c, f);
                    }
                }
            }
            let lines_n = lines.len();
            if best.1 != PageFit::SAME && best.0 + lines_n <= same {
                out.insert(b, best.1);
            }
        }
        out
    }

    /// A page block's lines: most printed from the reference columns
    /// under the block's own scale and shift (some columns left empty,
    /// a little noise), some of any edges at all.
    /// Amount lines (run index, right edge), their blocks, the reference.
    type Case = (Vec<Vec<(usize, usize)>>, Vec<usize>, Vec<usize>);

    fn case() -> impl Strategy<Value = Case> {
        (
            prop::collection::vec(0usize..160, 1..9),
            prop::collection::vec((850i64..=1150, -30i64..=30), 3),
            prop::collection::vec(
                (
                    0usize..3,
                    any::<u16>(),
                    prop::collection::vec(-3i64..=3, 9),
                    0u8..8,
                    prop::collection::vec(0usize..200, 0..11),
                ),
                0..40,
            ),
            -2i64..=1,
        )
            .prop_map(|(mut reference, fits, specs, short)| {
                reference.sort_unstable();
                let mut amounts = Vec::new();
                let mut block = Vec::new();
                for (b, mask, noise, kind, random) in specs {
                    let edges: Vec<usize> = if kind == 0 {
                        random
                    } else {
                        let (scale, shift) = fits[b];
                        reference
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| kind > 3 || mask & (1 << i) != 0)
                            .map(|(i, &r)| {
                                let x = (r as i64 - shift) * 1000 / scale + noise[i];
                                x.max(0) as usize
                            })
                            .collect()
                    };
                    amounts.push(edges.into_iter().enumerate().collect());
                    block.push(b);
                }
                // A block list shorter or longer than the lines.
                let n = (block.len() as i64 + short).max(0) as usize;
                block.resize(n, 1);
                (amounts, block, reference)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn page_fits_as_the_grid_search((amounts, block, reference) in case()) {
            prop_assert_eq!(
                page_fits(&amounts, &block, &reference),
                page_fits_reference(&amounts, &block, &reference)
            );
        }

        #[test]
        fn match_cost_as_the_full_dp(
            edges in prop::collection::vec(0usize..300, 0..10),
            mut reference in prop::collection::vec(0usize..300, 1..10),
            sorted in any::<bool>(),
        ) {
            if sorted {
                reference.sort_unstable();
            }
            prop_assert_eq!(
                match_cost_in(&edges, &reference, &mut vec![7; 3]),
                match_cost_reference(&edges, &reference)
            );
        }
    }

    #[test]
    fn a_shifted_page_is_fitted() {
        let reference = [40, 60, 80];
        let lines: Vec<Vec<(usize, usize)>> = vec![
            vec![(0, 40), (1, 60), (2, 80)],
            vec![(0, 40), (1, 60), (2, 80)],
            vec![(0, 50), (1, 70), (2, 90)],
            vec![(0, 50), (1, 70), (2, 90)],
        ];
        let fits = page_fits(&lines, &[0, 0, 1, 1], &reference);
        assert_eq!(fits.len(), 1);
        assert_eq!(
            fits[&1],
            PageFit {
                scale: 1000,
                shift: -10
            }
        );
        assert_eq!(fits, page_fits_reference(&lines, &[0, 0, 1, 1], &reference));
    }
}
