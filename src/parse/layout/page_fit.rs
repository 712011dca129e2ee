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
/// `reference` (no shift).
pub(super) fn match_cost(edges: &[usize], reference: &[usize]) -> usize {
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

/// Per page (block of lines under one printing of the header), the
/// scale and shift that bring its amounts' right edges nearest the
/// reference columns, when that beats leaving them as they are by a clear
/// margin.
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
                    match_cost(&e, reference)
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
        // A fit must explain the page clearly better than the identity.
        let lines_n = lines.len();
        if best.1 != PageFit::SAME && best.0 + lines_n <= same {
            out.insert(b, best.1);
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
