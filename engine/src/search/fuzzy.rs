//! Fuzzy prefixes: the search keys that start with something within a small edit distance of
//! the query (Levenshtein with transpositions, counted in characters), the first character
//! never fuzzed. A depth-first walk of the search-key FST runs a Levenshtein prefix automaton
//! (the `levenshtein_automata` crate, whose builders are made once per process) beside it and
//! cuts off every branch the automaton rejects; where the automaton accepts, the whole subtree
//! matches and becomes one range of positions in search order, read off the FST's outputs on
//! the way, so a short query that matches half the index costs no more than its distinct
//! prefixes.

use std::ops::Range;
use std::sync::LazyLock;

use fst::raw::Node;
use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};

use super::SearchFiles;

/// Builders for distances 1 and 2, transpositions counting as one edit.
static BUILDERS: LazyLock<[LevenshteinAutomatonBuilder; 2]> =
    LazyLock::new(|| [LevenshteinAutomatonBuilder::new(1, true), LevenshteinAutomatonBuilder::new(2, true)]);

/// Makes the automaton builders now (a few ms), so that no query pays for it.
pub(crate) fn warm() {
    LazyLock::force(&BUILDERS);
}

/// The edit distance a query of `chars` characters is allowed: none below 3, 1 for 3 to 5,
/// 2 above (CirrusSearch's "AUTO").
pub fn allowed_distance(chars: usize) -> u8 {
    match chars {
        0..=2 => 0,
        3..=5 => 1,
        _ => 2,
    }
}

/// FST nodes a walk reads at most: a bound on the work of one query whatever the index.
const MAX_NODES: usize = 200_000;

/// Ranges of positions in search order whose keys start within `distance` edits of `key`, each
/// with the smallest distance found on the way to it (a range may contain a smaller one found
/// deeper, with a smaller distance).
///
/// A key's FST value is its first position in search order and values grow with keys, so the
/// positions of a subtree run from the value of its first key (reached by always taking the
/// first transition) to the first value after it (its next sibling's, or its parent's end): the
/// walk knows every range it accepts without a lookup.
pub(crate) fn ranges(files: &SearchFiles, key: &str, distance: u8) -> Vec<(Range<usize>, u8)> {
    let Some(first) = key.chars().next() else { return Vec::new() };
    if distance == 0 {
        return Vec::new();
    }
    let head = &key.as_bytes()[..first.len_utf8()];
    let dfa = BUILDERS[usize::from(distance.min(2)) - 1].build_prefix_dfa(&key[first.len_utf8()..]);
    let total = files.order.as_slice().len() as u64;
    let mut walk = Walk { fst: None, dfa: &dfa, found: Vec::new(), budget: MAX_NODES, path: Vec::new() };
    for (map, next_shard) in files.keys.maps_with_prefix(head) {
        let fst = map.as_fst();
        walk.fst = Some(fst);
        walk.path.clear();
        walk.path.push(Spot { node: fst.root(), acc: 0, index: 0, end: Some(next_shard.unwrap_or(total)) });
        // Follow the query's first character exactly, byte by byte.
        let followed = head.iter().all(|&b| {
            let at = walk.path[walk.path.len() - 1];
            let Some(i) = at.node.find_input(b) else { return false };
            let t = at.node.transition(i);
            walk.path.push(Spot { node: fst.node(t.addr), acc: at.acc + t.out.value(), index: i, end: None });
            true
        });
        if followed {
            walk.visit(dfa.initial_state(), u8::MAX);
        }
    }
    let mut out: Vec<(Range<usize>, u8)> = walk
        .found
        .into_iter()
        .filter(|(r, _)| r.start < r.end)
        .map(|(r, d)| (r.start as usize..r.end as usize, d))
        .collect();
    out.sort_by_key(|(r, d)| (r.start, r.end, *d));
    out.dedup_by_key(|(r, _)| r.clone());
    out
}

/// A node on the walk's path: the output gathered on the way to it, its index among its
/// parent's transitions, and (once asked) the first position after its subtree.
#[derive(Clone, Copy)]
struct Spot<'f> {
    node: Node<'f>,
    acc: u64,
    index: usize,
    end: Option<u64>,
}

struct Walk<'a, 'f> {
    fst: Option<&'f fst::raw::Fst<crate::MmapSlice>>,
    dfa: &'a DFA,
    /// Ranges of positions whose subtrees match, with their distance.
    found: Vec<(Range<u64>, u8)>,
    budget: usize,
    /// From the root to the node being visited.
    path: Vec<Spot<'f>>,
}

impl<'f> Walk<'_, 'f> {
    /// The first position of the subtree at `node`: its first key's value.
    fn first(&mut self, mut node: Node<'f>, mut acc: u64) -> u64 {
        let Some(fst) = self.fst else { return acc };
        while !node.is_final() && !node.is_empty() && self.budget > 0 {
            self.budget -= 1;
            let t = node.transition(0);
            acc += t.out.value();
            node = fst.node(t.addr);
        }
        acc + if node.is_final() { node.final_output().value() } else { 0 }
    }

    /// The first position after the subtree of `path[depth]`: its next sibling's first, or
    /// else its parent's end; computed once, when a range needs it.
    fn end(&mut self, depth: usize) -> u64 {
        let at = self.path[depth];
        if let Some(end) = at.end {
            return end;
        }
        let end = match (depth.checked_sub(1).map(|d| self.path[d]), self.fst) {
            (Some(parent), Some(fst)) if at.index + 1 < parent.node.len() => {
                let sibling = parent.node.transition(at.index + 1);
                self.first(fst.node(sibling.addr), parent.acc + sibling.out.value())
            }
            (Some(_), _) => self.end(depth - 1),
            (None, _) => 0,
        };
        self.path[depth].end = Some(end);
        end
    }

    /// Visits the subtree at the end of the path in automaton state `state`; `best` is the
    /// smallest distance already accepted on the way here (a deeper match is only worth a
    /// range when closer).
    fn visit(&mut self, state: u32, best: u8) {
        let (Some(fst), Some(&at)) = (self.fst, self.path.last()) else { return };
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        let mut best = best;
        if let Distance::Exact(d) = self.dfa.distance(state)
            && d < best
        {
            let start = self.first(at.node, at.acc);
            let end = self.end(self.path.len() - 1);
            self.found.push((start..end, d));
            // A sink keeps its distance whatever follows: the subtree is done.
            if d == 0 || is_sink(self.dfa, state) {
                return;
            }
            best = d;
        }
        for i in 0..at.node.len() {
            let t = at.node.transition(i);
            let next = self.dfa.transition(state, t.inp);
            if next == SINK_STATE {
                continue;
            }
            self.path.push(Spot { node: fst.node(t.addr), acc: at.acc + t.out.value(), index: i, end: None });
            self.visit(next, best);
            self.path.pop();
        }
    }
}

/// Whether every byte leads from `state` back to itself (a prefix automaton's accepting sink).
fn is_sink(dfa: &DFA, state: u32) -> bool {
    [b'a', b'z', b' ', 0xc3, 0xe6].iter().all(|&b| dfa.transition(state, b) == state)
}

#[cfg(test)]
mod tests {
    use super::allowed_distance;

    #[test]
    fn distance_grows_with_the_query_like_cirrussearch_auto() {
        assert_eq!([1, 2, 3, 5, 6, 20].map(allowed_distance), [0, 0, 1, 1, 2, 2]);
    }
}
