//! Matrix products for the engine's small shapes, with exact, fixed arithmetic.
//!
//! Every product is `C[m, n] = A[m, k] · B[k, n] (+ C)`, each operand given by its (row,
//! column) strides. Each element of `C` is one chain of fused multiply-adds in `k` order,
//! started from `+0` and cut every [`KC`] = 256 terms:
//!
//! ```text
//! acc = +0;  for p in block: acc = fma(A[i, p], B[p, j], acc)     one block: p ∈ [256·q, 256·(q+1))
//! C[i, j] = acc (first block, overwrite)   or   C[i, j] + acc (later blocks, or accumulate)
//! ```
//!
//! This is exactly what `matrixmultiply` 0.3 computes with its FMA and AVX-512 kernels
//! (`kc` = 256, accumulators from zero), which the engine used before, so results are
//! bit-identical to earlier releases on CPUs with FMA. The same arithmetic runs on every path
//! the runtime dispatch picks — AVX-512F, AVX2 + FMA, or portable code with `f32::mul_add` — so
//! a run's numbers do not depend on the CPU (a test compares the paths bit for bit). Vectorised
//! across the columns of `C`, a chain never changes order: SIMD only computes several chains at
//! once.
//!
//! Three shapes skip the general kernel, as before: matrix–vector products (`n = 1`, e.g. the
//! critic's last layer) use a dot product with eight partial sums, outer products (`k = 1`)
//! and row-vector products (`m = 1`, accumulated) use plain multiplies and adds.
//!
//! The kernel streams rows of `B` (`B[p, j..j + w]` contiguous) against broadcast elements of
//! `A` (any strides), `R × V` vectors of `C` held in registers; no packing. A `B` with
//! contiguous columns instead is transposed into a scratch buffer first, a copy of `k·n` values
//! against `m·k·n` multiply-adds. A layer's forward pass (`linear_forward`) reads its weight
//! `W[out, in]` as `Wᵀ`, which the MLP transposes once per change of its parameters
//! (`transpose_weight`, kept in `crate::nn::mlp`), and fuses the layer's bias and activation
//! into the product.

use std::cell::{Cell, RefCell};

/// Terms per fused multiply-add chain (see the module docs): `matrixmultiply`'s `kc` for `f32`.
pub const KC: usize = 256;

/// An instruction set the kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// Plain Rust with `f32::mul_add`: any CPU (a software fused multiply-add where the CPU
    /// has none).
    Portable,
    /// AVX2 and FMA, 8 lanes.
    Avx2,
    /// AVX-512F, 16 lanes.
    Avx512,
}

impl Isa {
    /// The fastest instruction set this CPU has.
    pub fn detected() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// The instruction set products on this thread use: [`Isa::detected`], unless
    /// [`with_isa`] chose another.
    pub fn current() -> Isa {
        CHOSEN.get().unwrap_or_else(Isa::detected)
    }

    /// Every instruction set this CPU can run, portable first.
    pub fn available() -> Vec<Isa> {
        let best = Isa::detected();
        [Isa::Portable, Isa::Avx2, Isa::Avx512]
            .into_iter()
            .filter(|&i| i <= best)
            .collect()
    }
}

impl PartialOrd for Isa {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some((*self as u8).cmp(&(*other as u8)))
    }
}

thread_local! {
    /// A transposed copy of a `B` with contiguous columns.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    /// The instruction set [`with_isa`] chose for this thread.
    static CHOSEN: Cell<Option<Isa>> = const { Cell::new(None) };
}

/// Runs `f` with every product on this thread computed on `isa` (the portable code if the CPU
/// lacks it), then restores the choice before. For tests and benchmarks: results are the same
/// on every path.
pub fn with_isa<T>(isa: Isa, f: impl FnOnce() -> T) -> T {
    let isa = if isa <= Isa::detected() {
        isa
    } else {
        Isa::Portable
    };
    let before = CHOSEN.replace(Some(isa));
    let out = f();
    CHOSEN.set(before);
    out
}

/// Runs `f` compiled for `isa`'s vector instructions, so that its loops vectorise wider (the
/// engine's element-wise loops: activations' derivatives, bias gradients, optimizers). The
/// compiler never fuses a multiply and an add that the code writes apart, so results are the
/// same on every path.
#[inline(always)]
pub(crate) fn vectorised<T>(isa: Isa, f: impl FnOnce() -> T) -> T {
    // SAFETY: each arm runs only where the CPU has the instruction set.
    unsafe {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 if Isa::detected() >= Isa::Avx512 => x86::with_avx512(f),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 if Isa::detected() >= Isa::Avx2 => x86::with_avx2(f),
            _ => f(),
        }
    }
}

/// `C[m, n] = A[m, k] · B[k, n] + beta · C` (`beta` 0 or 1), each operand given by its (row,
/// column) strides, on the CPU's best instruction set.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    sa: (usize, usize),
    b: &[f32],
    sb: (usize, usize),
    beta: f32,
    c: &mut [f32],
    sc: (usize, usize),
) {
    gemm_on(Isa::current(), m, k, n, a, sa, b, sb, beta, c, sc)
}

/// The engine's product on a given instruction set, which must be one of [`Isa::available`] (else the
/// portable code runs). Public so that tests can compare the paths bit for bit.
///
/// # Panics
/// If an operand is too short for its shape and strides, `beta` is neither 0 nor 1, or `C`'s
/// column stride is not 1.
#[allow(clippy::too_many_arguments)]
pub fn gemm_on(
    isa: Isa,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    beta: f32,
    c: &mut [f32],
    (rsc, csc): (usize, usize),
) {
    // The last element each operand touches must be in bounds; this makes the kernels sound.
    let last = |rows: usize, cols: usize, rs: usize, cs: usize| (rows - 1) * rs + (cols - 1) * cs;
    if m == 0 || n == 0 {
        return;
    }
    assert!(beta == 0.0 || beta == 1.0, "gemm: beta must be 0 or 1");
    assert!(csc == 1, "gemm: C must have contiguous rows");
    assert!(c.len() > last(m, n, rsc, csc), "gemm: C out of bounds");
    if k == 0 {
        c.iter_mut().for_each(|v| *v *= beta);
        return;
    }
    assert!(a.len() > last(m, k, rsa, csa), "gemm: A out of bounds");
    assert!(b.len() > last(k, n, rsb, csb), "gemm: B out of bounds");
    // A GAN's discriminator ends in one unit, so its products are matrix–vector or outer
    // products: they skip the kernel (see the module docs). True if done.
    let small = vectorised(
        isa,
        #[inline(always)]
        || {
            if n == 1 && csa == 1 && rsb == 1 {
                // C[i] = A[i, :] · B[:, 0]
                let col = &b[..k];
                for i in 0..m {
                    let c = &mut c[i * rsc];
                    let d = dot(&a[i * rsa..i * rsa + k], col);
                    *c = if beta == 0.0 { d } else { *c + d };
                }
                return true;
            }
            if k == 1 && csb == 1 {
                // C[i, :] = A[i, 0] · B[0, :]   (outer product)
                let row = &b[..n];
                for i in 0..m {
                    let ai = a[i * rsa];
                    let c = &mut c[i * rsc..i * rsc + n];
                    if beta == 0.0 {
                        c.iter_mut().zip(row).for_each(|(c, b)| *c = ai * b);
                    } else {
                        c.iter_mut().zip(row).for_each(|(c, b)| *c += ai * b);
                    }
                }
                return true;
            }
            if m == 1 && csb == 1 && beta == 1.0 {
                // C[0, :] += Σ_p A[0, p] · B[p, :]
                let c = &mut c[..n];
                for p in 0..k {
                    let ap = a[p * csa];
                    let row = &b[p * rsb..p * rsb + n];
                    c.iter_mut().zip(row).for_each(|(c, b)| *c += ap * b);
                }
                return true;
            }
            false
        },
    );
    if small {
        return;
    }
    with_rows_of(isa, b, (rsb, csb), k, n, |b, rsb| {
        let job = Job {
            m,
            k,
            n,
            a: a.as_ptr(),
            rsa,
            csa,
            b: b.as_ptr(),
            rsb,
            c: c.as_mut_ptr(),
            rsc,
            accumulate: beta == 1.0,
            bias: None,
            act: None,
        };
        run(isa, job)
    })
}

/// Calls `f(rows, row_stride)` with `B[k, n]` (strides `(rsb, csb)`) as contiguous rows:
/// `B` itself when its columns are contiguous, else a transposed copy in a scratch buffer.
fn with_rows_of<T>(
    isa: Isa,
    b: &[f32],
    (rsb, csb): (usize, usize),
    k: usize,
    n: usize,
    f: impl FnOnce(&[f32], usize) -> T,
) -> T {
    if csb == 1 {
        return f(b, rsb);
    }
    SCRATCH.with_borrow_mut(|t| {
        t.resize(k * n, 0.0);
        transpose(isa, b, (rsb, csb), k, n, t);
        f(t, n)
    })
}

/// `t[p, j] = B[p, j]` for `B[k, n]` read with strides `(rsb, csb)`, `t` row-major.
fn transpose(isa: Isa, b: &[f32], (rsb, csb): (usize, usize), k: usize, n: usize, t: &mut [f32]) {
    if rsb != 1 {
        for p in 0..k {
            for j in 0..n {
                t[p * n + j] = b[p * rsb + j * csb];
            }
        }
        return;
    }
    // SAFETY: as in `run`; the transposes check their bounds.
    unsafe {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 | Isa::Avx2 if Isa::detected() >= Isa::Avx2 => {
                x86::transpose_avx(b, csb, k, n, t)
            }
            _ => Scalar::transpose(b, csb, k, n, t),
        }
    }
}

/// `wt[i, o] = w[o, i]`: a weight `W[n_out, n_in]` (row-major, PyTorch's layout) as `Wᵀ[n_in,
/// n_out]` row-major, the right operand [`linear_forward`] takes.
pub(crate) fn transpose_weight(w: &[f32], n_out: usize, n_in: usize, wt: &mut [f32]) {
    assert!(w.len() >= n_out * n_in && wt.len() >= n_out * n_in);
    if n_out == 0 || n_in == 0 {
        return;
    }
    transpose(Isa::current(), w, (1, n_in), n_in, n_out, wt);
}

/// The scalar transpose of `B[k, n]` (strides `(1, csb)`) into `t`.
fn transpose_scalar(b: &[f32], csb: usize, k: usize, n: usize, t: &mut [f32]) {
    for j in 0..n {
        for p in 0..k {
            t[p * n + j] = b[p + j * csb];
        }
    }
}

/// A layer's activation, `post = act(pre)` element by element, as [`linear_forward`] applies
/// it: the piecewise-linear ones inside the kernel, with the scalar code's exact selects
/// (`x < 0 ? 0 : x`, `x · (x > 0 ? 1 : slope)`, so a NaN stays a NaN); any other as a function
/// on each finished row segment.
#[derive(Clone, Copy)]
pub(crate) enum Act<'a> {
    /// `post = pre`.
    Identity,
    /// `post = pre < 0 ? 0 : pre`.
    Relu,
    /// `post = pre · (pre > 0 ? 1 : slope)`.
    LeakyRelu(f32),
    /// `f(pre, post)` on row segments.
    Rows(&'a dyn Fn(&[f32], &mut [f32])),
}

impl Act<'_> {
    /// `post = act(pre)` on a row, in scalar code.
    fn rows(self, pre: &[f32], post: &mut [f32]) {
        let pairs = post.iter_mut().zip(pre);
        match self {
            Act::Identity => post.copy_from_slice(pre),
            Act::Relu => pairs.for_each(|(y, &x)| *y = if x < 0.0 { 0.0 } else { x }),
            Act::LeakyRelu(slope) => {
                pairs.for_each(|(y, &x)| *y = x * if x > 0.0 { 1.0 } else { slope })
            }
            Act::Rows(f) => f(pre, post),
        }
    }
}

/// One `Linear` layer's forward pass on a batch: `pre = x · Wᵀ + b`, `post = act(pre)`, for
/// `x: [B, n_in]`, `W: [n_out, n_in]`, `pre, post: [B, n_out]`; `wt` is `Wᵀ: [n_in, n_out]`
/// ([`transpose_weight`]), which the product reads unless `n_out` is 1. The bias is added to the
/// finished product (`pre = (x · Wᵀ) + b`, two roundings), as the unfused code did; `act`
/// runs on each tile's rows while they are in cache.
#[allow(clippy::too_many_arguments)]
pub(crate) fn linear_forward(
    batch: usize,
    n_in: usize,
    n_out: usize,
    x: &[f32],
    (w, wt): (&[f32], &[f32]),
    bias: &[f32],
    act: Act<'_>,
    pre: &mut [f32],
    post: &mut [f32],
) {
    assert!(x.len() >= batch * n_in && w.len() >= n_in * n_out && bias.len() >= n_out);
    assert!(wt.len() >= n_in * n_out);
    assert!(pre.len() >= batch * n_out && post.len() >= batch * n_out);
    if batch == 0 || n_out == 0 {
        return;
    }
    let isa = Isa::current();
    if n_out == 1 || n_in == 0 {
        gemm_on(
            isa,
            batch,
            n_in,
            n_out,
            x,
            (n_in, 1),
            w,
            (1, n_in),
            0.0,
            pre,
            (n_out, 1),
        );
        let rows = pre
            .chunks_exact_mut(n_out)
            .zip(post.chunks_exact_mut(n_out));
        for (pre_row, post_row) in rows.take(batch) {
            pre_row.iter_mut().zip(bias).for_each(|(y, b)| *y += b);
            act.rows(pre_row, post_row);
        }
        return;
    }
    run(
        isa,
        Job {
            m: batch,
            k: n_in,
            n: n_out,
            a: x.as_ptr(),
            rsa: n_in,
            csa: 1,
            b: wt.as_ptr(),
            rsb: n_out,
            c: pre.as_mut_ptr(),
            rsc: n_out,
            accumulate: false,
            bias: Some(bias.as_ptr()),
            act: Some((act, post.as_mut_ptr())),
        },
    )
}

/// `x · y` with eight partial sums, so that it vectorises.
#[inline(always)]
fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail: f32 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (xs, ys) in xc.zip(yc) {
        for j in 0..8 {
            acc[j] += xs[j] * ys[j];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// One product for the kernel, `C[m, n] (+)= A[m, k] · B[k, n]` with `B`'s and `C`'s rows
/// contiguous; then, if given, `C += bias` (per column) and `post = act(C)` (row stride `rsc`).
/// The caller checked every bound.
#[derive(Clone, Copy)]
struct Job<'a> {
    m: usize,
    k: usize,
    n: usize,
    a: *const f32,
    rsa: usize,
    csa: usize,
    b: *const f32,
    rsb: usize,
    c: *mut f32,
    rsc: usize,
    accumulate: bool,
    bias: Option<*const f32>,
    act: Option<(Act<'a>, *mut f32)>,
}

fn run(isa: Isa, job: Job<'_>) {
    // SAFETY: each arm runs only where the CPU has the instruction set (Isa::available), and
    // the callers checked that every index of `job` is in bounds.
    unsafe {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 if Isa::detected() >= Isa::Avx512 => x86::run_avx512(job),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 if Isa::detected() >= Isa::Avx2 => x86::run_avx2(job),
            _ => kernel::<Scalar, 4, 4>(job),
        }
    }
}

/// The vector operations the kernel needs, on `LANES` lanes of `f32`.
trait Simd {
    const LANES: usize;
    type V: Copy;
    type Mask: Copy;
    unsafe fn zero() -> Self::V;
    unsafe fn splat(x: f32) -> Self::V;
    /// The first `len` lanes (1 ≤ len ≤ LANES).
    unsafe fn mask(len: usize) -> Self::Mask;
    unsafe fn load(p: *const f32) -> Self::V;
    unsafe fn load_masked(p: *const f32, m: Self::Mask) -> Self::V;
    unsafe fn store_masked(p: *mut f32, m: Self::Mask, v: Self::V);
    /// `a·b + c`, rounded once.
    unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    /// `x < 0 ? 0 : x` per lane.
    unsafe fn relu(x: Self::V) -> Self::V;
    /// `x · (x > 0 ? 1 : slope)` per lane.
    unsafe fn leaky_relu(x: Self::V, slope: f32) -> Self::V;
    /// `t[p, j] = B[p, j]` for `B[k, n]` with strides `(1, csb)`, `t` row-major.
    unsafe fn transpose(b: &[f32], csb: usize, k: usize, n: usize, t: &mut [f32]) {
        transpose_scalar(b, csb, k, n, t)
    }
}

/// One lane, portable.
struct Scalar;

impl Simd for Scalar {
    const LANES: usize = 1;
    type V = f32;
    type Mask = ();
    #[inline(always)]
    unsafe fn zero() -> f32 {
        0.0
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> f32 {
        x
    }
    #[inline(always)]
    unsafe fn mask(_len: usize) {}
    #[inline(always)]
    unsafe fn load(p: *const f32) -> f32 {
        *p
    }
    #[inline(always)]
    unsafe fn load_masked(p: *const f32, _m: ()) -> f32 {
        *p
    }
    #[inline(always)]
    unsafe fn store_masked(p: *mut f32, _m: (), v: f32) {
        *p = v
    }
    #[inline(always)]
    unsafe fn fma(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
    #[inline(always)]
    unsafe fn add(a: f32, b: f32) -> f32 {
        a + b
    }
    #[inline(always)]
    unsafe fn relu(x: f32) -> f32 {
        if x < 0.0 {
            0.0
        } else {
            x
        }
    }
    #[inline(always)]
    unsafe fn leaky_relu(x: f32, slope: f32) -> f32 {
        x * if x > 0.0 { 1.0 } else { slope }
    }
}

/// The whole product: `KC` blocks of `k`, panels of `NV` vectors of columns, tiles of `MR` rows.
#[inline(always)]
unsafe fn kernel<S: Simd, const MR: usize, const NV: usize>(job: Job<'_>) {
    let width = NV * S::LANES;
    for k0 in (0..job.k).step_by(KC) {
        let kc = KC.min(job.k - k0);
        let last_block = k0 + kc == job.k;
        let block = Job {
            k: kc,
            a: job.a.add(k0 * job.csa),
            b: job.b.add(k0 * job.rsb),
            accumulate: job.accumulate || k0 > 0,
            bias: job.bias.filter(|_| last_block),
            act: job.act.filter(|_| last_block),
            ..job
        };
        for j0 in (0..job.n).step_by(width) {
            let w = width.min(job.n - j0);
            let nv = w.div_ceil(S::LANES);
            let tail = S::mask(w - (nv - 1) * S::LANES);
            for i0 in (0..job.m).step_by(MR) {
                let rows = MR.min(job.m - i0);
                let at = Job {
                    a: block.a.add(i0 * job.rsa),
                    b: block.b.add(j0),
                    c: block.c.add(i0 * job.rsc + j0),
                    bias: block.bias.map(|b| b.add(j0)),
                    act: block.act.map(|(f, p)| (f, p.add(i0 * job.rsc + j0))),
                    m: rows,
                    n: w,
                    ..block
                };
                match rows {
                    1 => tile_v::<S, 1>(at, nv, tail),
                    2 => tile_v::<S, 2>(at, nv, tail),
                    3 => tile_v::<S, 3>(at, nv, tail),
                    4 => tile_v::<S, 4>(at, nv, tail),
                    5 => tile_v::<S, 5>(at, nv, tail),
                    _ => tile_v::<S, 6>(at, nv, tail),
                }
            }
        }
    }
}

#[inline(always)]
unsafe fn tile_v<S: Simd, const R: usize>(job: Job<'_>, nv: usize, tail: S::Mask) {
    match nv {
        1 => tile::<S, R, 1>(job, tail),
        2 => tile::<S, R, 2>(job, tail),
        3 => tile::<S, R, 3>(job, tail),
        _ => tile::<S, R, 4>(job, tail),
    }
}

/// `R` rows × `V` vectors of `C` (the last vector masked by `tail`), one chain per element.
#[inline(always)]
unsafe fn tile<S: Simd, const R: usize, const V: usize>(job: Job<'_>, tail: S::Mask) {
    let mut acc = [[S::zero(); V]; R];
    let (a, b) = (job.a, job.b);
    for p in 0..job.k {
        let brow = b.add(p * job.rsb);
        let mut bv = [S::zero(); V];
        for (v, x) in bv.iter_mut().enumerate() {
            let at = brow.add(v * S::LANES);
            *x = if v + 1 == V {
                S::load_masked(at, tail)
            } else {
                S::load(at)
            };
        }
        for (r, acc) in acc.iter_mut().enumerate() {
            let ar = S::splat(*a.add(r * job.rsa + p * job.csa));
            for v in 0..V {
                acc[v] = S::fma(ar, bv[v], acc[v]);
            }
        }
    }
    let full = S::mask(S::LANES);
    for (r, acc) in acc.iter().enumerate() {
        let row = job.c.add(r * job.rsc);
        for (v, &x) in acc.iter().enumerate() {
            let m = if v + 1 == V { tail } else { full };
            let at = row.add(v * S::LANES);
            let mut x = x;
            if job.accumulate {
                x = S::add(S::load_masked(at, m), x);
            }
            if let Some(bias) = job.bias {
                x = S::add(x, S::load_masked(bias.add(v * S::LANES), m));
            }
            S::store_masked(at, m, x);
            if let Some((act, post)) = job.act {
                let post = post.add(r * job.rsc + v * S::LANES);
                match act {
                    Act::Identity => S::store_masked(post, m, x),
                    Act::Relu => S::store_masked(post, m, S::relu(x)),
                    Act::LeakyRelu(slope) => S::store_masked(post, m, S::leaky_relu(x, slope)),
                    Act::Rows(_) => {}
                }
            }
        }
        if let Some((act @ Act::Rows(_), post)) = job.act {
            let pre = std::slice::from_raw_parts(row, job.n);
            let post = std::slice::from_raw_parts_mut(post.add(r * job.rsc), job.n);
            act.rows(pre, post);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86;
