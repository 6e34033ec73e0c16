//! Fuzzy prefixes: the search keys that start with something within a small edit distance of
//! the query (Levenshtein with transpositions, counted in characters), the first character
//! never fuzzed. A depth-first walk of the search-key FST runs a Levenshtein prefix automaton
//! (the `levenshtein_automata` crate, whose builders are made once per process) beside it and
//! cuts off every branch the automaton rejects; where the automaton accepts, the whole subtree
//! matches and becomes one range of positions in search order, found with two FST lookups, so
//! a short query that matches half the index costs no more than its distinct prefixes.

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

/// Nodes a walk visits at most: a bound on the work of one query whatever the index.
const MAX_NODES: usize = 200_000;

/// Ranges of positions in search order whose keys start within `distance` edits of `key`,
/// each with the distance found (a range may contain a smaller one with a smaller distance).
pub(crate) fn ranges(files: &SearchFiles, key: &str, distance: u8) -> Vec<(Range<usize>, u8)> {
    let Some(first) = key.chars().next() else { return Vec::new() };
    if distance == 0 {
        return Vec::new();
    }
    let head = &key.as_bytes()[..first.len_utf8()];
    let dfa = BUILDERS[usize::from(distance.min(2)) - 1].build_prefix_dfa(&key[first.len_utf8()..]);
    let mut found: Vec<(Vec<u8>, u8)> = Vec::new();
    let mut budget = MAX_NODES;
    for map in files.keys.maps_with_prefix(head) {
        let fst = map.as_fst();
        let mut node = fst.root();
        let mut path = Vec::with_capacity(key.len() + 8);
        let mut inside = true;
        for &b in head {
            match node.find_input(b) {
                Some(i) => {
                    node = fst.node(node.transition_addr(i));
                    path.push(b);
                }
                None => {
                    inside = false;
                    break;
                }
            }
        }
        if inside {
            let mut walk = Walk { fst, dfa: &dfa, found: &mut found, budget: &mut budget };
            walk.visit(node, dfa.initial_state(), &mut path);
        }
    }
    let mut out: Vec<(Range<usize>, u8)> =
        found.into_iter().map(|(prefix, d)| (files.key_range(&prefix), d)).filter(|(r, _)| !r.is_empty()).collect();
    out.sort_by_key(|(r, d)| (r.start, r.end, *d));
    out.dedup_by_key(|(r, _)| r.clone());
    out
}

struct Walk<'a, 'f> {
    fst: &'f fst::raw::Fst<crate::MmapSlice>,
    dfa: &'a DFA,
    /// Prefixes whose subtrees match, with their distance.
    found: &'a mut Vec<(Vec<u8>, u8)>,
    budget: &'a mut usize,
}

impl Walk<'_, '_> {
    fn visit(&mut self, node: Node<'_>, state: u32, path: &mut Vec<u8>) {
        if *self.budget == 0 {
            return;
        }
        *self.budget -= 1;
        if let Distance::Exact(d) = self.dfa.distance(state) {
            self.found.push((path.clone(), d));
            // A sink keeps its distance whatever follows: the subtree is done. Otherwise going
            // on may find the same keys at a smaller distance.
            if d == 0 || is_sink(self.dfa, state) {
                return;
            }
        }
        for t in node.transitions() {
            let next = self.dfa.transition(state, t.inp);
            if next == SINK_STATE {
                continue;
            }
            path.push(t.inp);
            self.visit(self.fst.node(t.addr), next, path);
            path.pop();
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
