//! Two levels for a music library: *playlists* sized for listening, grouped into *families* of
//! sound.
//!
//! Real music has no well-separated clusters (mean silhouette 0.05–0.14 at every k on the
//! libraries measured), so no score picks "the" k: a silhouette sweep picks k = 2 and writes
//! two playlists of hundreds of tracks. Here the sizes come from what people listen to, and
//! the tree decides where to cut:
//!
//! 1. **Ward tree.** Ward linkage on the scaled rows (the merge that adds the least within-group
//!    variance first). Libraries up to [`HierarchyParams::block_rows`] tracks get one exact
//!    tree; larger ones are first cut into blocks of about half that by k-means (fitted on a
//!    seeded sample, then every row placed), and each block gets its own exact tree, so no
//!    n × n matrix over all tracks is ever built.
//! 2. **Playlists.** Each tree is cut into about `rows / playlist_size` groups; a group larger
//!    than the size limit (`max_playlist_size`, and `max_share` of the library) is replaced by
//!    its two children until none is.
//! 3. **Families.** The playlists are merged by Ward linkage again, weighted by their sizes
//!    ([`weighted_ward`]): on a cut of one tree this continues exactly the tree above the cut,
//!    and across blocks it joins them. The tree is cut into a fixed number of families or, by
//!    default, at the widest gap between successive merge heights among the cuts of
//!    [`FamilyCount::Auto`]'s range.
//!
//! Playlists are numbered family by family, larger first, so ids read as a table of contents.

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::agglomerative::{AgglomerativeParams, Merge};
use crate::error::{invalid, ClusterError, Result};
use crate::kmeans::KMeansParams;
use crate::linalg::{check_finite, sq_dist};
use crate::{Fit, Predict};

/// How many families.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyCount {
    /// Chosen from the family tree: the cut with the widest gap between successive merge
    /// heights, among `min..=max` families where `max` grows as the square root of the number
    /// of playlists (4 to 15 families).
    #[default]
    Auto,
    /// Exactly this many (fewer when there are fewer playlists).
    Fixed(usize),
}

/// How many clusters (playlists) a front end asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KChoice {
    /// The hierarchical algorithm: one playlist per `playlist_size` tracks, split further where
    /// one would be too large. The others: sweep a range of k ([`crate::select_k`]) and take
    /// the k with the best mean silhouette.
    #[default]
    Auto,
    /// Exactly this many.
    Fixed(usize),
}

/// Parameters of the two-level organisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HierarchyParams {
    /// Tracks per playlist aimed at: the tree is first cut into `rows / playlist_size` groups.
    pub playlist_size: usize,
    /// No playlist holds more tracks than this.
    pub max_playlist_size: usize,
    /// No playlist holds more than this share of the library (applied down to
    /// `min_limit` tracks, so that small libraries still get playlists worth the name).
    pub max_share: f64,
    /// The smallest size limit the share may impose.
    pub min_limit: usize,
    /// How many families.
    pub families: FamilyCount,
    /// Largest block clustered by one exact Ward tree (its distance matrix holds
    /// `block_rows²/2` f64: 256 MB at 8,000).
    pub block_rows: usize,
    /// Seed of the k-means that cuts large libraries into blocks.
    pub seed: u64,
    /// Cut the tree into exactly this many playlists instead of one per `playlist_size` tracks
    /// (split over blocks by their sizes; the size limits still apply).
    #[serde(default)]
    pub n_playlists: Option<usize>,
}

impl Default for HierarchyParams {
    fn default() -> Self {
        Self {
            playlist_size: 30,
            max_playlist_size: 100,
            max_share: 0.15,
            min_limit: 8,
            families: FamilyCount::Auto,
            block_rows: 8_000,
            seed: 42,
            n_playlists: None,
        }
    }
}

/// The result of [`HierarchyParams::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct Hierarchy {
    /// Playlist of every row (`0..n_playlists`, numbered family by family, larger first).
    pub labels: Vec<usize>,
    /// Family of every playlist (`0..n_families`, larger families first).
    pub family_of: Vec<usize>,
    /// Number of families.
    pub n_families: usize,
}

impl Hierarchy {
    /// Number of playlists.
    pub fn n_playlists(&self) -> usize {
        self.family_of.len()
    }
}

impl HierarchyParams {
    /// Sets the target playlist size.
    pub fn playlist_size(mut self, n: usize) -> Self {
        self.playlist_size = n;
        self
    }
    /// Sets the number of families.
    pub fn families(mut self, f: FamilyCount) -> Self {
        self.families = f;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<&Self> {
        if self.playlist_size == 0 {
            return Err(invalid("hierarchy: playlist_size must be at least 1"));
        }
        if self.max_playlist_size < self.playlist_size {
            return Err(invalid(format!(
                "hierarchy: max_playlist_size {} is below playlist_size {}",
                self.max_playlist_size, self.playlist_size
            )));
        }
        if !(self.max_share > 0.0 && self.max_share <= 1.0) {
            return Err(invalid("hierarchy: max_share must be in (0, 1]"));
        }
        if self.min_limit == 0 {
            return Err(invalid("hierarchy: min_limit must be at least 1"));
        }
        if self.n_playlists == Some(0) {
            return Err(invalid("hierarchy: at least 1 playlist"));
        }
        if self.families == FamilyCount::Fixed(0) {
            return Err(invalid("hierarchy: at least 1 family"));
        }
        if self.block_rows < 100 {
            return Err(invalid("hierarchy: block_rows must be at least 100"));
        }
        Ok(self)
    }

    /// The size no playlist may exceed in a library of `n` tracks.
    pub fn size_limit(&self, n: usize) -> usize {
        let share = (self.max_share * n as f64).floor() as usize;
        self.max_playlist_size.min(share).max(self.min_limit)
    }
}

impl<'a> crate::Fit<ArrayView2<'a, f64>> for HierarchyParams {
    type Fitted = Hierarchy;

    /// Organises the (scaled) rows of `x` into playlists and families.
    fn fit(&self, x: ArrayView2<'a, f64>) -> Result<Hierarchy> {
        self.check()?;
        let n = x.nrows();
        if n < 2 {
            return Err(ClusterError::NotEnoughData(format!(
                "hierarchy: {n} row(s); at least 2 are needed"
            )));
        }
        check_finite(&x, "hierarchy input")?;
        let limit = self.size_limit(n);
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for block in self.blocks(x)? {
            let rows = x.select(Axis(0), &block);
            let target = match self.n_playlists {
                Some(k) => k as f64 * block.len() as f64 / n as f64,
                None => block.len() as f64 / self.playlist_size as f64,
            };
            for g in self.playlists_of_block(rows.view(), target.round() as usize, limit)? {
                groups.push(g.into_iter().map(|i| block[i]).collect());
            }
        }
        let centroids = group_means(x, &groups);
        let weights: Vec<f64> = groups.iter().map(|g| g.len() as f64).collect();
        let family_raw = families_of(centroids.view(), &weights, self.families)?;
        Ok(number(&groups, &family_raw, n))
    }
}

impl HierarchyParams {
    /// Rows of each block: everything at once up to `block_rows`, else k-means blocks.
    fn blocks(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Vec<usize>>> {
        let n = x.nrows();
        if n <= self.block_rows {
            return Ok(vec![(0..n).collect()]);
        }
        let mut out = Vec::new();
        let mut todo = vec![(0..n).collect::<Vec<usize>>()];
        let mut round = 0u64;
        while let Some(rows) = todo.pop() {
            if rows.len() <= self.block_rows {
                out.push(rows);
                continue;
            }
            let k = rows.len().div_ceil(self.block_rows / 2).max(2);
            let sub = x.select(Axis(0), &rows);
            let labels = sampled_kmeans(sub.view(), k, self.seed.wrapping_add(round))?;
            round += 1;
            let mut parts = vec![Vec::new(); k];
            for (i, l) in labels.into_iter().enumerate() {
                parts[l].push(rows[i]);
            }
            let parts: Vec<Vec<usize>> = parts.into_iter().filter(|p| !p.is_empty()).collect();
            if parts.len() < 2 {
                // Identical rows k-means cannot split: cut them by position instead.
                let half = rows.len() / 2;
                todo.push(rows[..half].to_vec());
                todo.push(rows[half..].to_vec());
            } else {
                todo.extend(parts);
            }
        }
        out.sort_by_key(|b| b[0]);
        Ok(out)
    }

    /// Playlists of one block (row positions within the block).
    fn playlists_of_block(
        &self,
        x: ArrayView2<'_, f64>,
        target: usize,
        limit: usize,
    ) -> Result<Vec<Vec<usize>>> {
        let n = x.nrows();
        if n <= 1 {
            return Ok(vec![(0..n).collect()]);
        }
        let tree = Tree::ward(x)?;
        Ok(tree.cut_sized(target.clamp(1, n), limit))
    }
}

/// A binary merge tree over `n` leaves in scipy's numbering (merge `s` creates node `n + s`).
struct Tree {
    n: usize,
    merges: Vec<Merge>,
}

impl Tree {
    fn ward(x: ArrayView2<'_, f64>) -> Result<Self> {
        let a = AgglomerativeParams::new(1).fit(x)?;
        Ok(Self {
            n: a.n,
            merges: a.merges,
        })
    }

    fn size(&self, node: usize) -> usize {
        if node < self.n {
            1
        } else {
            self.merges[node - self.n].size
        }
    }

    fn children(&self, node: usize) -> Option<(usize, usize)> {
        (node >= self.n).then(|| {
            let m = &self.merges[node - self.n];
            (m.a, m.b)
        })
    }

    fn leaves(&self, node: usize, out: &mut Vec<usize>) {
        let mut stack = vec![node];
        while let Some(v) = stack.pop() {
            match self.children(v) {
                Some((a, b)) => {
                    stack.push(b);
                    stack.push(a);
                }
                None => out.push(v),
            }
        }
    }

    /// Undoes the latest merges until there are `k` groups, then splits every group larger
    /// than `limit` into its children until none is.
    fn cut_sized(&self, k: usize, limit: usize) -> Vec<Vec<usize>> {
        let root = self.n + self.merges.len() - 1;
        let mut nodes = vec![root];
        // Nodes are merge indices plus n: the largest is the latest merge.
        while nodes.len() < k {
            let Some((pos, _)) = nodes
                .iter()
                .enumerate()
                .filter(|(_, &v)| v >= self.n)
                .max_by_key(|(_, &v)| v)
            else {
                break;
            };
            let v = nodes.swap_remove(pos);
            if let Some((a, b)) = self.children(v) {
                nodes.push(a);
                nodes.push(b);
            }
        }
        let mut done = Vec::new();
        while let Some(v) = nodes.pop() {
            match self.children(v) {
                Some((a, b)) if self.size(v) > limit => {
                    nodes.push(a);
                    nodes.push(b);
                }
                _ => done.push(v),
            }
        }
        done.sort_unstable();
        done.into_iter()
            .map(|v| {
                let mut leaves = Vec::with_capacity(self.size(v));
                self.leaves(v, &mut leaves);
                leaves.sort_unstable();
                leaves
            })
            .collect()
    }
}

/// k-means labels of every row, fitted on at most 20,000 seeded sample rows.
fn sampled_kmeans(x: ArrayView2<'_, f64>, k: usize, seed: u64) -> Result<Vec<usize>> {
    const SAMPLE: usize = 20_000;
    let n = x.nrows();
    let params = KMeansParams::new(k).n_init(3).max_iter(100).seed(seed);
    let model = if n > SAMPLE {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut rows = sample(&mut rng, n, SAMPLE).into_vec();
        rows.sort_unstable();
        params.fit(x.select(Axis(0), &rows).view())?
    } else {
        params.fit(x)?
    };
    model.predict(x)
}

/// Mean row of each group.
fn group_means(x: ArrayView2<'_, f64>, groups: &[Vec<usize>]) -> Array2<f64> {
    let mut out = Array2::zeros((groups.len(), x.ncols()));
    for (g, rows) in groups.iter().enumerate() {
        let mut row = out.row_mut(g);
        for &i in rows {
            row += &x.row(i);
        }
        row /= rows.len().max(1) as f64;
    }
    out
}

/// Ward linkage of weighted points (each point a group of `weights[i]` rows at its mean),
/// by the nearest-neighbour chain algorithm in O(p²) time and memory. Returns the `p − 1`
/// merges sorted by height, in scipy's numbering; a merge's `distance` is
/// `sqrt(2 · wa·wb/(wa+wb) · |a − b|²)`, the height scipy's Ward gives unit weights.
///
/// Written here because neither kodama nor linfa takes weights, and merging groups by
/// their centres with unit weights would let a 3-track group weigh as much as a 90-track one.
pub fn weighted_ward(points: ArrayView2<'_, f64>, weights: &[f64]) -> Result<Vec<Merge>> {
    let p = points.nrows();
    if weights.len() != p {
        return Err(invalid(format!(
            "weighted ward: {} weights for {p} points",
            weights.len()
        )));
    }
    if weights.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
        return Err(invalid("weighted ward: weights must be finite and > 0"));
    }
    check_finite(&points, "weighted ward input")?;
    if p < 2 {
        return Ok(Vec::new());
    }
    let pts = crate::linalg::standard(points);
    let d = pts.ncols();
    let xs = pts.as_slice().unwrap_or(&[]);
    // Ward cost of merging i and j: the increase of the within-group sum of squares.
    let mut cost = vec![0.0f64; p * p];
    for i in 0..p {
        for j in (i + 1)..p {
            let (wi, wj) = (weights[i], weights[j]);
            let c = wi * wj / (wi + wj) * sq_dist(&xs[i * d..(i + 1) * d], &xs[j * d..(j + 1) * d]);
            cost[i * p + j] = c;
            cost[j * p + i] = c;
        }
    }
    let mut w = weights.to_vec();
    let mut active = vec![true; p];
    // Each slot keeps the point index that represents its group in the output.
    let mut raw: Vec<(usize, usize, f64)> = Vec::with_capacity(p - 1);
    let mut chain: Vec<usize> = Vec::with_capacity(p);
    let mut remaining = p;
    while remaining > 1 {
        if chain.is_empty() {
            if let Some(first) = active.iter().position(|&a| a) {
                chain.push(first);
            }
        }
        let top = chain[chain.len() - 1];
        let prev = chain.len().checked_sub(2).map(|i| chain[i]);
        // Nearest active neighbour of `top`; ties prefer the previous chain element, then the
        // lowest index, so the chain cannot cycle.
        let mut best = usize::MAX;
        let mut best_cost = f64::INFINITY;
        if let Some(pv) = prev {
            best = pv;
            best_cost = cost[top * p + pv];
        }
        for j in 0..p {
            if j != top && active[j] && cost[top * p + j] < best_cost {
                best = j;
                best_cost = cost[top * p + j];
            }
        }
        if Some(best) == prev {
            chain.pop();
            chain.pop();
            let (a, b) = (top.min(best), top.max(best));
            raw.push((a, b, best_cost));
            // Lance–Williams update for Ward on sum-of-squares costs; the group lives on in a.
            let (wa, wb) = (w[a], w[b]);
            for c in 0..p {
                if !active[c] || c == a || c == b {
                    continue;
                }
                let wc = w[c];
                let v = ((wa + wc) * cost[a * p + c] + (wb + wc) * cost[b * p + c]
                    - wc * best_cost)
                    / (wa + wb + wc);
                cost[a * p + c] = v;
                cost[c * p + a] = v;
            }
            w[a] = wa + wb;
            active[b] = false;
            remaining -= 1;
        } else {
            chain.push(best);
        }
    }
    raw.sort_by(|x, y| x.2.total_cmp(&y.2));
    // Renumber: slot representatives → scipy node ids (n + merge index).
    let mut node_of: Vec<usize> = (0..p).collect();
    let mut size: Vec<usize> = vec![1; p];
    let mut parent: Vec<usize> = (0..p).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut merges = Vec::with_capacity(p - 1);
    for (s, (a, b, c)) in raw.into_iter().enumerate() {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        let (na, nb) = (node_of[ra], node_of[rb]);
        let merged_size = size[ra] + size[rb];
        parent[rb] = ra;
        node_of[ra] = p + s;
        size[ra] = merged_size;
        merges.push(Merge {
            a: na.min(nb),
            b: na.max(nb),
            distance: (2.0 * c.max(0.0)).sqrt(),
            size: merged_size,
        });
    }
    Ok(merges)
}

/// The family of each group (given by its mean row and its size): weighted Ward linkage cut
/// into `count` families, numbered by first appearance.
pub fn families_of(
    centroids: ArrayView2<'_, f64>,
    sizes: &[f64],
    count: FamilyCount,
) -> Result<Vec<usize>> {
    let p = centroids.nrows();
    if p == 0 {
        return Ok(Vec::new());
    }
    let merges = weighted_ward(centroids, sizes)?;
    let k = match count {
        FamilyCount::Fixed(f) => f.min(p),
        FamilyCount::Auto => auto_family_count(&merges, p),
    };
    Ok(cut_merges(&merges, p, k))
}

/// Group of each of the `p` leaves when the last `k − 1` merges are undone.
fn cut_merges(merges: &[Merge], p: usize, k: usize) -> Vec<usize> {
    let k = k.clamp(1, p.max(1));
    let mut parent: Vec<usize> = (0..(2 * p).max(1)).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (s, m) in merges.iter().take(p - k).enumerate() {
        let (ra, rb) = (find(&mut parent, m.a), find(&mut parent, m.b));
        parent[ra] = p + s;
        parent[rb] = p + s;
    }
    let mut ids = std::collections::HashMap::new();
    (0..p)
        .map(|i| {
            let r = find(&mut parent, i);
            let next = ids.len();
            *ids.entry(r).or_insert(next)
        })
        .collect()
}

/// The family count [`FamilyCount::Auto`] picks from a family tree over `p` playlists.
pub fn auto_family_count(merges: &[Merge], p: usize) -> usize {
    let (lo, hi) = family_range(p);
    if lo >= hi {
        return lo.min(p).max(1);
    }
    // Cutting into k groups undoes merges p−k+1..; merge heights h[p−k] (joins k groups into
    // k−1) against h[p−k−1]: the larger the ratio, the more distinct the k groups.
    let h = |i: usize| merges.get(i).map_or(0.0, |m| m.distance);
    (lo..=hi)
        .max_by(|&a, &b| {
            let gap = |k: usize| {
                let upper = h(p - k);
                let lower = h(p - k - 1).max(1e-12);
                upper / lower
            };
            gap(a).total_cmp(&gap(b)).then(b.cmp(&a))
        })
        .unwrap_or(lo)
}

/// The range of family counts [`FamilyCount::Auto`] chooses from for `p` playlists:
/// at least 4 (a handful) and at most `1.5·√p`, capped at 15 and at `p − 1`.
pub fn family_range(p: usize) -> (usize, usize) {
    if p <= 2 {
        return (p.max(1), p.max(1));
    }
    let hi = ((1.5 * (p as f64).sqrt()).round() as usize)
        .clamp(4, 15)
        .min(p - 1);
    let lo = 4.min(hi);
    (lo, hi)
}

/// Numbers families by size (tracks, larger first) and playlists family by family, larger
/// first; returns the row labels and each playlist's family.
fn number(groups: &[Vec<usize>], family_raw: &[usize], n: usize) -> Hierarchy {
    let n_families = family_raw.iter().max().map_or(0, |m| m + 1);
    let mut family_size = vec![0usize; n_families];
    for (g, &f) in groups.iter().zip(family_raw) {
        family_size[f] += g.len();
    }
    let mut family_order: Vec<usize> = (0..n_families).collect();
    family_order.sort_by(|&a, &b| family_size[b].cmp(&family_size[a]).then(a.cmp(&b)));
    let mut family_id = vec![0usize; n_families];
    for (new, &old) in family_order.iter().enumerate() {
        family_id[old] = new;
    }
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| {
        family_id[family_raw[a]]
            .cmp(&family_id[family_raw[b]])
            .then(groups[b].len().cmp(&groups[a].len()))
            .then(groups[a][0].cmp(&groups[b][0]))
    });
    let mut labels = vec![0usize; n];
    let mut family_of = Vec::with_capacity(groups.len());
    for (new, &g) in order.iter().enumerate() {
        for &i in &groups[g] {
            labels[i] = new;
        }
        family_of.push(family_id[family_raw[g]]);
    }
    Hierarchy {
        labels,
        family_of,
        n_families,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// `blobs` groups of `per` rows around well-separated centres in `d` dims.
    fn blobs(blobs: usize, per: usize, d: usize, spread: f64, seed: u64) -> Array2<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut x = Array2::zeros((blobs * per, d));
        for b in 0..blobs {
            for r in 0..per {
                for j in 0..d {
                    let centre = if j == b % d {
                        10.0 * (1 + b / d) as f64
                    } else {
                        0.0
                    };
                    x[[b * per + r, j]] = centre + spread * (rng.gen::<f64>() - 0.5);
                }
            }
        }
        x
    }

    #[test]
    fn weighted_ward_equals_unweighted_ward_on_unit_weights() {
        let x = blobs(4, 6, 3, 4.0, 1);
        let ours = weighted_ward(x.view(), &vec![1.0; x.nrows()]).unwrap();
        let kodama = AgglomerativeParams::new(1).fit(x.view()).unwrap().merges;
        assert_eq!(ours.len(), kodama.len());
        for (a, b) in ours.iter().zip(&kodama) {
            assert!((a.distance - b.distance).abs() < 1e-9 * b.distance.max(1.0));
            assert_eq!(a.size, b.size);
        }
        for k in 1..=x.nrows() {
            let ours = cut_merges(&ours, x.nrows(), k);
            let theirs = AgglomerativeParams::new(1)
                .fit(x.view())
                .unwrap()
                .cut(k)
                .unwrap();
            assert_eq!(ours, theirs, "k = {k}");
        }
    }

    #[test]
    fn weighted_ward_continues_the_tree_above_a_cut() {
        // Merging the groups of a cut by their means and sizes gives the same partitions as
        // cutting the track tree higher up.
        let x = blobs(5, 8, 4, 6.0, 2);
        let tracks = AgglomerativeParams::new(12).fit(x.view()).unwrap();
        let groups: Vec<Vec<usize>> = (0..12)
            .map(|g| (0..x.nrows()).filter(|&i| tracks.labels[i] == g).collect())
            .collect();
        let means = group_means(x.view(), &groups);
        let w: Vec<f64> = groups.iter().map(|g| g.len() as f64).collect();
        let merges = weighted_ward(means.view(), &w).unwrap();
        for k in 1..=12 {
            let fam = cut_merges(&merges, 12, k);
            let mut via_groups = vec![0; x.nrows()];
            for (g, rows) in groups.iter().enumerate() {
                for &i in rows {
                    via_groups[i] = fam[g];
                }
            }
            let direct = tracks.cut(k).unwrap();
            assert!(same_partition(&via_groups, &direct), "k = {k}");
        }
    }

    fn same_partition(a: &[usize], b: &[usize]) -> bool {
        let mut map = std::collections::HashMap::new();
        let mut back = std::collections::HashMap::new();
        a.iter()
            .zip(b)
            .all(|(x, y)| *map.entry(x).or_insert(y) == y && *back.entry(y).or_insert(x) == x)
    }

    #[test]
    fn playlists_respect_the_size_limit_and_nest_in_families() {
        let x = blobs(6, 60, 6, 3.0, 3);
        let params = HierarchyParams::default().playlist_size(20);
        let h = params.fit(x.view()).unwrap();
        let n = x.nrows();
        let limit = params.size_limit(n);
        assert_eq!(limit, 54);
        let p = h.n_playlists();
        let mut sizes = vec![0usize; p];
        for &l in &h.labels {
            sizes[l] += 1;
        }
        assert!(sizes.iter().all(|&s| s >= 1 && s <= limit), "{sizes:?}");
        assert!((12..=40).contains(&p), "{p} playlists");
        // Six well-separated blobs: six families, each blob inside one family.
        assert_eq!(h.n_families, 6);
        for b in 0..6 {
            let fam = h.family_of[h.labels[b * 60]];
            assert!((0..60).all(|r| h.family_of[h.labels[b * 60 + r]] == fam));
        }
        // Numbered family by family.
        assert!(h.family_of.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn large_libraries_go_through_blocks() {
        let x = blobs(8, 60, 8, 3.0, 4);
        let params = HierarchyParams {
            block_rows: 100,
            ..HierarchyParams::default().playlist_size(20)
        };
        let h = params.fit(x.view()).unwrap();
        assert_eq!(h.n_families, 8);
        for b in 0..8 {
            let fam = h.family_of[h.labels[b * 60]];
            assert!((0..60).all(|r| h.family_of[h.labels[b * 60 + r]] == fam));
        }
        let mut sizes = vec![0usize; h.n_playlists()];
        for &l in &h.labels {
            sizes[l] += 1;
        }
        assert!(sizes.iter().all(|&s| s <= params.size_limit(480)));
    }

    #[test]
    fn fixed_families_and_bad_input() {
        let x = blobs(3, 20, 3, 2.0, 5);
        let h = HierarchyParams::default()
            .playlist_size(5)
            .families(FamilyCount::Fixed(2))
            .fit(x.view())
            .unwrap();
        assert_eq!(h.n_families, 2);
        let mut nan = x.clone();
        nan[[0, 0]] = f64::NAN;
        assert!(HierarchyParams::default().fit(nan.view()).is_err());
        assert!(HierarchyParams::default()
            .fit(x.slice(ndarray::s![..1, ..]))
            .is_err());
        assert!(HierarchyParams::default().playlist_size(0).check().is_err());
        // Identical rows: still a valid result.
        let same = Array2::<f64>::ones((50, 3));
        let h = HierarchyParams::default().fit(same.view()).unwrap();
        assert_eq!(h.labels.len(), 50);
    }

    #[test]
    fn family_range_grows_with_the_library() {
        assert_eq!(family_range(2), (2, 2));
        assert_eq!(family_range(5), (4, 4));
        assert_eq!(family_range(27), (4, 8));
        assert_eq!(family_range(400), (4, 15));
    }
}
