//! The x86-64 kernels of [`super`]: the AVX-512F and AVX2 + FMA instantiations of its generic
//! kernel, the vector types they run on, and the AVX transpose; each runs only where
//! [`super::Isa::detected`] found its instruction set. May use only its parent module.

use std::arch::x86_64::*;

use super::{kernel, Job, Simd};

/// [`super::transpose`] in 8 × 8 blocks of AVX shuffles (pure data movement), masked at
/// the edges.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn transpose_avx(b: &[f32], csb: usize, k: usize, n: usize, t: &mut [f32]) {
    assert!(b.len() > (k - 1) + (n - 1) * csb && t.len() >= k * n);
    // Masks of the first `len` lanes, for the blocks at the edges.
    let lanes = |len: usize| {
        let index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_cmpgt_epi32(_mm256_set1_epi32(len.min(8) as i32), index)
    };
    for j in (0..n).step_by(8) {
        let (cols, store_mask) = ((n - j).min(8), lanes(n - j));
        for p in (0..k).step_by(8) {
            let (rows, load_mask) = ((k - p).min(8), lanes(k - p));
            // rows j..j+8 of W = B's columns, elements p..p+8 of each (zeros past the edges)
            let r: [__m256; 8] = std::array::from_fn(|i| {
                if i < cols {
                    _mm256_maskload_ps(b.as_ptr().add(p + (j + i) * csb), load_mask)
                } else {
                    _mm256_setzero_ps()
                }
            });
            let t0 = _mm256_unpacklo_ps(r[0], r[1]);
            let t1 = _mm256_unpackhi_ps(r[0], r[1]);
            let t2 = _mm256_unpacklo_ps(r[2], r[3]);
            let t3 = _mm256_unpackhi_ps(r[2], r[3]);
            let t4 = _mm256_unpacklo_ps(r[4], r[5]);
            let t5 = _mm256_unpackhi_ps(r[4], r[5]);
            let t6 = _mm256_unpacklo_ps(r[6], r[7]);
            let t7 = _mm256_unpackhi_ps(r[6], r[7]);
            let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
            let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
            let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
            let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
            let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
            let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
            let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
            let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
            let out = [
                _mm256_permute2f128_ps::<0x20>(u0, u4),
                _mm256_permute2f128_ps::<0x20>(u1, u5),
                _mm256_permute2f128_ps::<0x20>(u2, u6),
                _mm256_permute2f128_ps::<0x20>(u3, u7),
                _mm256_permute2f128_ps::<0x31>(u0, u4),
                _mm256_permute2f128_ps::<0x31>(u1, u5),
                _mm256_permute2f128_ps::<0x31>(u2, u6),
                _mm256_permute2f128_ps::<0x31>(u3, u7),
            ];
            for (i, o) in out.into_iter().take(rows).enumerate() {
                _mm256_maskstore_ps(t.as_mut_ptr().add((p + i) * n + j), store_mask, o);
            }
        }
    }
}

#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn with_avx512<T>(f: impl FnOnce() -> T) -> T {
    f()
}

#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn with_avx2<T>(f: impl FnOnce() -> T) -> T {
    f()
}

#[target_feature(enable = "avx512f")]
pub(super) unsafe fn run_avx512(job: Job<'_>) {
    kernel::<Avx512, 6, 4>(job)
}

#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn run_avx2(job: Job<'_>) {
    kernel::<Avx2, 6, 2>(job)
}

/// A [`Simd`] implementation from its intrinsics.
macro_rules! simd {
    ($name:ident, $lanes:expr, $v:ty, $mask:ty, $zero:ident, $splat:ident, $load:ident,
     $load_masked:expr, $store_masked:expr, $fma:ident, $add:ident, |$len:ident| $make_mask:expr,
    relu: |$x:ident| $relu:expr, leaky: |$y:ident, $slope:ident| $leaky:expr) => {
        pub(super) struct $name;

        impl Simd for $name {
            const LANES: usize = $lanes;
            type V = $v;
            type Mask = $mask;
            #[inline(always)]
            unsafe fn zero() -> $v {
                $zero()
            }
            #[inline(always)]
            unsafe fn splat(x: f32) -> $v {
                $splat(x)
            }
            #[inline(always)]
            unsafe fn mask($len: usize) -> $mask {
                $make_mask
            }
            #[inline(always)]
            unsafe fn load(p: *const f32) -> $v {
                $load(p)
            }
            #[inline(always)]
            unsafe fn load_masked(p: *const f32, m: $mask) -> $v {
                $load_masked(p, m)
            }
            #[inline(always)]
            unsafe fn store_masked(p: *mut f32, m: $mask, v: $v) {
                $store_masked(p, m, v)
            }
            #[inline(always)]
            unsafe fn fma(a: $v, b: $v, c: $v) -> $v {
                $fma(a, b, c)
            }
            #[inline(always)]
            unsafe fn add(a: $v, b: $v) -> $v {
                $add(a, b)
            }
            #[inline(always)]
            unsafe fn relu($x: $v) -> $v {
                $relu
            }
            #[inline(always)]
            unsafe fn leaky_relu($y: $v, $slope: f32) -> $v {
                $leaky
            }
        }
    };
}

simd!(
    Avx512, 16, __m512, __mmask16, _mm512_setzero_ps, _mm512_set1_ps, _mm512_loadu_ps,
    |p, m| _mm512_maskz_loadu_ps(m, p), |p, m, v| _mm512_mask_storeu_ps(p, m, v),
    _mm512_fmadd_ps, _mm512_add_ps,
    |len| (((1u32 << len) - 1) & 0xffff) as __mmask16,
    relu: |x| _mm512_maskz_mov_ps(!_mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, _mm512_setzero_ps()), x),
    leaky: |x, slope| {
        let positive = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(x, _mm512_setzero_ps());
        let factor = _mm512_mask_blend_ps(positive, _mm512_set1_ps(slope), _mm512_set1_ps(1.0));
        _mm512_mul_ps(x, factor)
    }
);

simd!(
    Avx2, 8, __m256, __m256i, _mm256_setzero_ps, _mm256_set1_ps, _mm256_loadu_ps,
    _mm256_maskload_ps, _mm256_maskstore_ps, _mm256_fmadd_ps, _mm256_add_ps,
    |len| _mm256_cmpgt_epi32(
        _mm256_set1_epi32(len as i32),
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)
    ),
    relu: |x| {
        let zero = _mm256_setzero_ps();
        _mm256_blendv_ps(x, zero, _mm256_cmp_ps::<_CMP_LT_OQ>(x, zero))
    },
    leaky: |x, slope| {
        let positive = _mm256_cmp_ps::<_CMP_GT_OQ>(x, _mm256_setzero_ps());
        let factor = _mm256_blendv_ps(_mm256_set1_ps(slope), _mm256_set1_ps(1.0), positive);
        _mm256_mul_ps(x, factor)
    }
);
