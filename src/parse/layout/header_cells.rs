//! Header words joined over the lines they wrap, and the words that name
//! a column (nothing stands under them).

use super::Run;
use crate::parse::header::{is_header_word, is_known_word};
use crate::parse::text::squash;

/// A header cell: one header word with the lines it was wrapped over
/// joined, where it stands and which columns it spans.
#[derive(Debug, Clone)]
pub(super) struct HeaderCell {
    pub(super) text: String,
    pub(super) top: usize,
    pub(super) bottom: usize,
    pub(super) lo: usize,
    pub(super) hi: usize,
    /// Where its lowest line stands.
    pub(super) last: (usize, usize),
}

impl HeaderCell {
    pub(super) fn centre2(&self) -> usize {
        self.lo + self.hi
    }
    pub(super) fn overlaps(&self, lo: usize, hi: usize) -> bool {
        self.lo < hi && lo < self.hi
    }
}

/// Joins header words wrapped over lines: a word continues the one just
/// above it when each is the only word overlapping the other and their
/// centres agree (a wrapped cell is centred as a whole).
pub(super) fn header_cells(lines: &[Vec<Run>]) -> Vec<HeaderCell> {
    let mut cells: Vec<HeaderCell> = Vec::new();
    for (li, runs) in lines.iter().enumerate() {
        for r in runs {
            let cell = HeaderCell {
                text: squash(&r.text),
                top: li,
                bottom: li,
                lo: r.start,
                hi: r.end,
                last: (r.start, r.end),
            };
            // The word above: on the line right above, or a few lines up
            // with nothing printed in between (the cells beside it took
            // more lines: 一般公共预 … 算收入).
            let clear = |c: &HeaderCell| {
                lines[c.bottom + 1..li].iter().all(|l| {
                    l.iter().all(|o| {
                        !c.overlaps(o.start, o.end) && (o.end <= r.start || r.end <= o.start)
                    })
                })
            };
            // A lone character may stand a position off the word it ends
            // (会议 … 费): the converter rounds each line's start.
            let lone = r.text.chars().count() == 1;
            let (lo, hi) = match lone {
                true => (r.start.saturating_sub(1), r.end + 1),
                false => (r.start, r.end),
            };
            let above: Vec<usize> = cells
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    c.bottom < li
                        && li - c.bottom <= 4
                        && c.overlaps(lo, hi)
                        && (c.bottom + 1 == li || clear(c))
                })
                .map(|(i, _)| i)
                .collect();
            let join = match above.as_slice() {
                [k] => {
                    let c = &cells[*k];
                    let alone = runs
                        .iter()
                        .filter(|o| c.overlaps(o.start, o.end) || std::ptr::eq(*o, r))
                        .count()
                        == 1;
                    let centred = c.centre2().abs_diff(cell.centre2()) <= 6;
                    // Lines apart, only a word cut short continues: its
                    // first line is its widest and ends in no header noun.
                    // A whole word on top does not go on with a fragment
                    // (本年收入 over 财政专 / 户管理 / 资金).
                    let lower = squash(&r.text);
                    let whole_over_fragment = is_header_word(&c.text)
                        && !is_header_word(&lower)
                        && !lower.starts_with(['（', '(']);
                    // A breakdown column's name (其中：专项资金 … 列入部门预算
                    // … 项目) spans nothing: what stands under it goes on
                    // with it even past a header noun.
                    let open = !is_header_word(&c.text) || c.text.starts_with("其中");
                    // A lone character is never a header cell of its own
                    // (the code levels aside): the last of a wrapped word
                    // (机关运行经费预算 … 数), however many lines below.
                    let tail_char = lower.chars().count() == 1
                        && !lower.is_ascii()
                        && !matches!(lower.as_str(), "类" | "款" | "项");
                    // Two whole words of the vocabulary that make no word
                    // together are a spanning word over its first column
                    // (财政拨款支出 over 一般公共预算), not one cell.
                    let joined = format!("{}{lower}", c.text);
                    let two_words =
                        is_known_word(&c.text) && is_known_word(&lower) && !is_known_word(&joined);
                    // Lines apart with the line between clear of both, two
                    // halves that make a word of the vocabulary are one tall
                    // cell wrapped around the line of the cells beside it
                    // (事业单位 … 经营收入 beside 事业收入 | 其他收入).
                    let tall_halves = li > c.bottom + 1 && is_known_word(&joined);
                    // Text wraps at its cell's width: a line much wider than
                    // the one above is no continuation of it, but a cell
                    // under a spanning word (“三公”经费 over
                    // 公务用车购置及运行维护费).
                    let wider = r.end - r.start > c.last.1 - c.last.0 + 2;
                    let wraps =
                        (c.bottom + 1 == li && !whole_over_fragment && !two_words && !wider)
                            || tail_char
                            || tall_halves
                            || (open && width(&squash(&r.text)) <= width(&c.text) + 2);
                    alone && centred && wraps
                }
                _ => false,
            };
            if join {
                let c = &mut cells[above[0]];
                c.text.push_str(&cell.text);
                c.bottom = li;
                c.lo = c.lo.min(cell.lo);
                c.hi = c.hi.max(cell.hi);
                c.last = cell.last;
            } else {
                cells.push(cell);
            }
        }
    }
    cells.retain(|c| !c.text.is_empty());
    cells
}

/// Printed width of a word: a CJK character is two wide.
pub(super) fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// How close (in characters) a word below must come to a header word to
/// stand under it.
pub(super) const NEAR: usize = 4;

/// The header cells that name a column (nothing stands below them).
/// Is `o`, below `c`, the lower half of a tall cell wrapped around `c`'s
/// line (附属单位 … 上缴收入 beside 经营收入): a word above `c`'s line stands
/// right over it. Such a cell is beside `c`, not under it.
pub(super) fn lower_half_beside(cells: &[HeaderCell], c: &HeaderCell, o: &HeaderCell) -> bool {
    cells
        .iter()
        .any(|p| p.bottom < c.top && p.centre2().abs_diff(o.centre2()) <= 4)
}

pub(super) fn leaves(cells: &[HeaderCell]) -> Vec<usize> {
    let mut out: Vec<usize> = (0..cells.len())
        .filter(|&i| {
            let c = &cells[i];
            // A spanning word may be narrower than what it spans, but
            // some word below stands under it or right next to it.
            let (lo, hi) = c.last;
            !cells.iter().any(|o| {
                o.top > c.bottom
                    && o.overlaps(lo.saturating_sub(NEAR), hi + NEAR)
                    && !lower_half_beside(cells, c, o)
            })
        })
        .collect();
    out.sort_by_key(|&i| (cells[i].centre2(), cells[i].top));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::layout::runs::runs_of;

    #[test]
    fn a_lone_character_lines_below_ends_the_word_above() {
        let lines: Vec<Vec<Run>> = [
            "                                 “三公”经费预算数",
            "                                                          机关运行经费预算",
            "                    公务用车购置及运行费",
            "                                                              数",
        ]
        .iter()
        .map(|l| runs_of(l))
        .collect();
        let texts: Vec<String> = header_cells(&lines).into_iter().map(|c| c.text).collect();
        assert!(
            texts.contains(&"机关运行经费预算数".to_string()),
            "{texts:?}"
        );
        assert!(!texts.contains(&"数".to_string()), "{texts:?}");
    }

    #[test]
    fn a_breakdown_name_goes_on_past_a_header_noun() {
        // A Xi'an 收入总表: 其中：专项资金 … 列入部门预算 … 项目, a line
        // with other words only in between.
        let lines: Vec<Vec<Run>> = [
            "      合计                    其中：",
            "                              专项资金",
            "                                          金拨",
            "      小计                      列入部门预算",
            "                                项目",
        ]
        .iter()
        .map(|l| runs_of(l))
        .collect();
        let texts: Vec<String> = header_cells(&lines).into_iter().map(|c| c.text).collect();
        assert!(
            texts.contains(&"其中：专项资金列入部门预算项目".to_string()),
            "{texts:?}"
        );
        assert!(texts.contains(&"小计".to_string()));
    }
}
