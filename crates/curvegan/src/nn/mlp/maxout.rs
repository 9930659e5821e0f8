//! Maxout units, forward and backward side by side: a hidden layer's `Linear` gives `K` pieces
//! per unit, the unit takes the largest, and backward sends its gradient to that piece.

/// Maxout's forward: `post[b, u] = max_j pre[b, u·K + j]` and the selected `j` in `argmax`
/// (the first of equal maxima; a NaN piece wins, so NaN propagates, as `torch.max`).
pub(super) fn maxout_forward(
    units: usize,
    k: usize,
    pre: &[f32],
    post: &mut [f32],
    argmax: &mut [u32],
) {
    let rows = pre
        .chunks_exact(units * k)
        .zip(post.chunks_exact_mut(units))
        .zip(argmax.chunks_exact_mut(units));
    for ((p_row, y_row), a_row) in rows {
        for ((pieces, y), a) in p_row.chunks_exact(k).zip(y_row).zip(a_row) {
            let mut best = 0;
            for (j, &v) in pieces.iter().enumerate().skip(1) {
                let b = pieces[best];
                if v > b || (v.is_nan() && !b.is_nan()) {
                    best = j;
                }
            }
            *y = pieces[best];
            *a = best as u32;
        }
    }
}

/// Maxout's backward: `spread[b, u·K + j] = δ[b, u]` for the selected piece `j`, else 0.
pub(super) fn maxout_backward(k: usize, argmax: &[u32], delta: &[f32], spread: &mut [f32]) {
    spread.fill(0.0);
    for ((pieces, &a), &d) in spread.chunks_exact_mut(k).zip(argmax).zip(delta) {
        pieces[a as usize] = d;
    }
}
