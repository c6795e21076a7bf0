// Signet's CUDA kernels: every op of dev.signet.engine.backend.Backend, launched by CudaBackend through the
// driver API from the PTX that build-ptx.sh makes of this file. Activations are float32 and the KV cache float32
// or fp16, row-major; weights stay in their dtype (DT_F32, DT_F16, DT_BF16) and are widened to float32 as they are
// read, every sum in float32. Pointers are raw device addresses; shapes travel as ints. No kernel allocates.
#include <cuda_fp16.h>
#include <cuda_bf16.h>

#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2

// Programmatic dependent launch (sm_90): the host lets every kernel start while the one before it in the stream is
// finishing, so its launch and its blocks' set-up overlap that kernel's tail (a 7B layer's 8 kernels at 1 row on
// the H100: 161 → 152 µs). Each kernel therefore first waits here until the one before it has completed and its
// writes are visible; every kernel of this file begins with it but proj_sign_terms, which reads before it and writes
// global memory after it (CudaPtxDriftTest checks). A no-op for a launch without the attribute, and before sm_90
// (whose PTX the host launches without it). A kernel may let the one after it start once all of its own blocks have
// passed their wait (LET_NEXT_KERNEL_START, after AFTER_PREVIOUS_KERNEL): by then every kernel before it has
// completed, so the next one may read, before its own wait, what those wrote (proj_sign_terms does, during
// proj_*_base's tail).
#if __CUDA_ARCH__ >= 900
#define AFTER_PREVIOUS_KERNEL() asm volatile("griddepcontrol.wait;\n" ::: "memory")
#define LET_NEXT_KERNEL_START() asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory")
#else
#define AFTER_PREVIOUS_KERNEL()
#define LET_NEXT_KERNEL_START()
#endif

// ---------------------------------------------------------------------------------------------------------
// Weight element loads: one element, or 8 consecutive ones with 16-byte loads (callers guarantee alignment:
// the row width is a multiple of 8 and allocations are 256-byte aligned).

template <int DT>
__device__ __forceinline__ float load_one(const void* w, long long i) {
    if (DT == DT_F32) {
        return static_cast<const float*>(w)[i];
    } else if (DT == DT_F16) {
        return __half2float(__ushort_as_half(static_cast<const unsigned short*>(w)[i]));
    } else {
        return __int_as_float(static_cast<unsigned int>(static_cast<const unsigned short*>(w)[i]) << 16);
    }
}

__device__ __forceinline__ void unpack_halves(unsigned int u, float& lo, float& hi, bool bf16) {
    if (bf16) {
        lo = __int_as_float(u << 16);
        hi = __int_as_float(u & 0xffff0000u);
    } else {
        lo = __half2float(__ushort_as_half(static_cast<unsigned short>(u & 0xffffu)));
        hi = __half2float(__ushort_as_half(static_cast<unsigned short>(u >> 16)));
    }
}

template <int DT, int VEC>
__device__ __forceinline__ void load_w(const void* w, long long i, float (&o)[VEC]) {
    if (VEC == 1) {
        o[0] = load_one<DT>(w, i);
    } else if (DT == DT_F32) {
        const float4* p = reinterpret_cast<const float4*>(static_cast<const float*>(w) + i);
        float4 a = __ldg(p);
        float4 b = __ldg(p + 1);
        o[0] = a.x; o[1] = a.y; o[2] = a.z; o[3] = a.w;
        o[4] = b.x; o[5] = b.y; o[6] = b.z; o[7] = b.w;
    } else {
        uint4 u = __ldg(reinterpret_cast<const uint4*>(static_cast<const unsigned short*>(w) + i));
        unpack_halves(u.x, o[0], o[1], DT == DT_BF16);
        unpack_halves(u.y, o[2], o[3], DT == DT_BF16);
        unpack_halves(u.z, o[4], o[5], DT == DT_BF16);
        unpack_halves(u.w, o[6], o[7], DT == DT_BF16);
    }
}

template <int VEC>
__device__ __forceinline__ void load_x(const float* x, float (&o)[VEC]) {
    if (VEC == 1) {
        o[0] = x[0];
    } else {
        float4 a = reinterpret_cast<const float4*>(x)[0];
        float4 b = reinterpret_cast<const float4*>(x)[1];
        o[0] = a.x; o[1] = a.y; o[2] = a.z; o[3] = a.w;
        o[4] = b.x; o[5] = b.y; o[6] = b.z; o[7] = b.w;
    }
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

// ---------------------------------------------------------------------------------------------------------
// Block-wide reductions for blocks of exactly BLOCK_THREADS threads (row-wise kernels, sampling).

#define BLOCK_THREADS 1024

struct ReduceSum { template <typename T> __device__ T operator()(T a, T b) const { return a + b; } };
struct ReduceMin { template <typename T> __device__ T operator()(T a, T b) const { return b < a ? b : a; } };
struct ReduceMax { template <typename T> __device__ T operator()(T a, T b) const { return b > a ? b : a; } };

// Every thread of the block gets op over all threads' v. scratch: 32 values (BLOCK_THREADS / 32).
template <typename T, typename Op>
__device__ T block_reduce(T v, Op op, T* scratch) {
    for (int o = 16; o > 0; o >>= 1) {
        v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    __syncthreads();  // the previous reduction's readers are done with scratch
    if ((threadIdx.x & 31) == 0) {
        scratch[threadIdx.x >> 5] = v;
    }
    __syncthreads();
    v = scratch[threadIdx.x & 31];
    for (int o = 16; o > 0; o >>= 1) {
        v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    return v;
}

// ---------------------------------------------------------------------------------------------------------
// Sign planes. A plane's words come in one of two layouts (the planes table's third column says which):
//  SIGNS_ARTIFACT: as the artifact packs them, bit c % 32 of word [j, c / 32] is column c's sign (1 = +1);
//  SIGNS_TENSOR:   for the tensor-core projection (proj_*; cols a multiple of 256, rows of 16): per row j and
//                  256-column group G, 8 u32 (t, h), t = 0..3, h = 0..1, at [(j / 16, G, j % 8, t, j / 8 % 2, h)]
//                  (tensor_word_at): a 16-row block's words of a group are 512 contiguous bytes, lane (g, t)'s
//                  four (rows g and g + 8) one 16-byte piece of them (on the H100, against rows of words apart:
//                  8 rows over 8 tenants 10.58 → 9.94 ms, 32 over 32 47.4 → 42.1). Column 64·(2h + c) + 16t + 8s + 4q + k
//                  of the group (c, s, q = 0..1, k = 0..3) is bit 8k + 7 − r with r = 4c + 2s + q, inverted
//                  (1 = −1). Lane (g, t)'s 4 words of a group (rows g, g + 8; h = 0, 1) are as they are the A
//                  operand of a 1-bit mma m16n8k256, x's bit planes taking the same column order (proj_sign_terms);
//                  shifted left by r, the word's bits of a column pair of mma m16n8k16's A fragment are at bits 15
//                  and 31 after one PRMT (MergedSigns).
#define SIGNS_ARTIFACT 0
#define SIGNS_TENSOR 1

// Column c (0..255) of a 256-column group in SIGNS_TENSOR: its bit in the word of row j's group (t, h) ...
__device__ __forceinline__ int tensor_sign_bit(int c) {
    return 8 * (c & 3) + 7 - (4 * ((c >> 6) & 1) + 2 * ((c >> 3) & 1) + ((c >> 2) & 1));
}

// ... and that word's index 2t + h among the row group's 8 (t = (c / 16) % 4, h = c / 128).
__device__ __forceinline__ int tensor_sign_word(int c) {
    return ((c >> 4) & 3) * 2 + (c >> 7);
}

// Where word w = 2t + h of row j's group grp lies in a SIGNS_TENSOR plane of `groups` groups a row.
__device__ __forceinline__ long long tensor_word_at(long long j, int grp, int groups, int w) {
    return (((j >> 4) * groups + grp) * 32 + (j & 7) * 4 + (w >> 1)) * 4 + ((j >> 3) & 1) * 2 + (w & 1);
}

// The signs of columns c0 .. c0 + 7 of row j (c0 a multiple of 8) as 8 bits, column c0 + v at bit v (1 = +1).
__device__ __forceinline__ unsigned int sign_bits8(const unsigned int* words, int layout, int j, int in, int c0) {
    if (layout == SIGNS_ARTIFACT) {
        return (__ldg(words + (long long) j * ((in + 31) >> 5) + (c0 >> 5)) >> (c0 & 31)) & 0xffu;
    }
    // c0 % 8 == 0: the 8 columns share a word
    unsigned int word = __ldg(words + tensor_word_at(j, c0 >> 8, in >> 8, tensor_sign_word(c0 & 255)));
    unsigned int bits = 0;
#pragma unroll
    for (int v = 0; v < 8; v++) {
        bits |= ((~word >> tensor_sign_bit((c0 & 255) + v)) & 1u) << v;
    }
    return bits;
}

// Rewrites a plane from SIGNS_ARTIFACT to SIGNS_TENSOR (same size): one thread per output word.
// src, dst: [rows, in / 32] u32; in a multiple of 256, rows of 16
extern "C" __global__ void signs_to_tensor_layout(const unsigned int* src, unsigned int* dst, int rows, int in) {
    AFTER_PREVIOUS_KERNEL();
    long long n = (long long) rows * (in >> 5);
    long long o = blockIdx.x * (long long) blockDim.x + threadIdx.x;
    if (o >= n) {
        return;
    }
    // o = tensor_word_at(j, g, groups, 2t + h)
    int h = (int) (o & 1);
    int t = (int) ((o >> 2) & 3);
    int groups = in >> 8;
    long long blockGroup = o >> 7;
    int g = (int) (blockGroup % groups);
    long long j = (blockGroup / groups) * 16 + ((o >> 1) & 1) * 8 + ((o >> 4) & 7);
    const unsigned int* row = src + j * (in >> 5);
    unsigned int word = 0;
    for (int r = 0; r < 8; r++) {
        for (int k = 0; k < 4; k++) {
            int c = 64 * (2 * h + (r >> 2)) + 16 * t + 8 * ((r >> 1) & 1) + 4 * (r & 1) + k;  // in the group
            unsigned int bit = (row[(256 * g + c) >> 5] >> (c & 31)) & 1u;
            word |= (bit ^ 1u) << tensor_sign_bit(c);
        }
    }
    dst[o] = word;
}

// Two floats as the pair an mma operand register holds (lo in the low half): one cvt.rn.f16x2/bf16x2.f32 each.
__device__ __forceinline__ unsigned int pack_f16(float lo, float hi) {
    __half2 h = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<unsigned int*>(&h);
}

__device__ __forceinline__ unsigned int pack_bf16(float lo, float hi) {
    __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<unsigned int*>(&h);
}

// One float as bf16 (bf16 true) or fp16, rounded to nearest as pack_* rounds it.
__device__ __forceinline__ void store_half(unsigned short* p, float v, int bf16) {
    *p = bf16 ? __bfloat16_as_ushort(__float2bfloat16_rn(v)) : __half_as_ushort(__float2half_rn(v));
}

// x for the sign terms of proj_sign_terms: per row and 256-column group, int8 x_q with scale s = absmax / 127 as
// its 8 bit planes (two's complement: plane 7 weighs −128), 64 words [t][plane][h], word (t, p, h) holding plane p of
// the 32 columns of SIGNS_TENSOR's word (t, h), and stat (−2s, Σx) with the group's exact sum, so that the group's
// S·x ≈ Σx − 2s·Σ_{S=−1} x_q. v: lane L's columns 8L .. 8L + 7.
__device__ __forceinline__ void quantize_group(const float (&v)[8], unsigned int* dst, float2* stat) {
    const int lane = threadIdx.x & 31;
    float absmax = 0.f;
    float sum = 0.f;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        absmax = fmaxf(absmax, fabsf(v[i]));
        sum += v[i];
    }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        absmax = fmaxf(absmax, __shfl_xor_sync(0xffffffffu, absmax, off));
    }
    sum = warp_sum(sum);
    float inv = absmax > 0.f ? 127.f / absmax : 0.f;
    int q[8];
#pragma unroll
    for (int i = 0; i < 8; i++) {
        q[i] = __float2int_rn(v[i] * inv);
    }
    // The lane's 8 columns share SIGNS_TENSOR word (t, h) with lanes L ^ 1, L ^ 8 and L ^ 9: each plane's word is
    // the OR of the four lanes' bits; lane sub = L % 2 + 2·(L / 8 % 2) of the four stores planes 2·sub, 2·sub + 1.
    // Column 8L + i lands on bit 8·(i % 4) + at − i / 4 (tensor_sign_bit), so with q's bytes packed 4 to a word,
    // a plane's bits of columns 8L .. 8L + 3 are (lo >> p) & 0x01010101 shifted left by at, those of + 4 .. + 7
    // (hi >> p) & 0x01010101 by at − 1.
    unsigned int lo = 0u;
    unsigned int hi = 0u;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        lo |= ((unsigned int) q[i] & 0xffu) << (8 * i);
        hi |= ((unsigned int) q[4 + i] & 0xffu) << (8 * i);
    }
    const int t = (lane >> 1) & 3;
    const int h = lane >> 4;
    const int sub = (lane & 1) + 2 * ((lane >> 3) & 1);
    const int at = tensor_sign_bit(8 * lane);
#pragma unroll
    for (int p = 0; p < 8; p++) {
        unsigned int word = (((lo >> p) & 0x01010101u) << at) | (((hi >> p) & 0x01010101u) << (at - 1));
        word |= __shfl_xor_sync(0xffffffffu, word, 1);
        word |= __shfl_xor_sync(0xffffffffu, word, 8);
        if ((p >> 1) == sub) {
            dst[(t * 8 + p) * 2 + h] = word;
        }
    }
    if (lane == 0) {
        *stat = make_float2(-2.f * absmax / 127.f, sum);
    }
}

// x as proj_* reads it, per row and 256-column group (a warp a group, lane L taking columns 8L .. 8L + 7; plain
// loads: rmsnorm prepares the rows it has just written):
//  - xh, when not null: x in the weights' 16-bit dtype (bf16 when halfBf16, else fp16; rounded to nearest), for the
//    base term. Written once by the op that makes x, every block of a projection reads half the bytes of float32 x
//    and converts nothing (on the H100 a 7B step at 32 rows 13.0 → 9.2 ms, at 8 rows over 8 tenants 10.9 → 10.7).
//  - xq, when not null: for the sign term (quantize_group), with its stats.
// src: the group's 256 values; at: its index row · groups + group in xh, xq and stats.
__device__ __forceinline__ void prepare_group(const float* src, long long at, unsigned short* xh, int halfBf16,
                                              unsigned int* xq, float2* stats) {
    const int lane = threadIdx.x & 31;
    float4 a = *reinterpret_cast<const float4*>(src + 8 * lane);
    float4 b = *reinterpret_cast<const float4*>(src + 8 * lane + 4);
    float v[8] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
    if (xh != nullptr) {
        uint4 h = halfBf16 ? make_uint4(pack_bf16(v[0], v[1]), pack_bf16(v[2], v[3]), pack_bf16(v[4], v[5]), pack_bf16(v[6], v[7]))
                           : make_uint4(pack_f16(v[0], v[1]), pack_f16(v[2], v[3]), pack_f16(v[4], v[5]), pack_f16(v[6], v[7]));
        reinterpret_cast<uint4*>(xh + 256 * at)[lane] = h;
    }
    if (xq != nullptr) {
        quantize_group(v, xq + 64 * at, stats + at);
    }
}

// One warp per (row, group). x: [rows, in] f32, in % 256 == 0; xh: [rows, in] 16-bit or null; xq: [rows, in / 4]
// u32 (quantize_group's bit planes) or null; stats: [rows, in / 256] float2; halfBf16: prepare_group's
extern "C" __global__ void prepare_groups(const float* __restrict__ x, int rows, int in, unsigned short* __restrict__ xh,
                                          int halfBf16, unsigned int* __restrict__ xq, float2* __restrict__ stats) {
    AFTER_PREVIOUS_KERNEL();
    long long wg = (blockIdx.x * (long long) blockDim.x + threadIdx.x) >> 5;  // = row · groups + group
    if (wg < (long long) rows * (in >> 8)) {
        prepare_group(x + wg * 256, wg, xh, halfBf16, xq, stats);
    }
}

// ---------------------------------------------------------------------------------------------------------
// The fused projection, general kernel: out[r, j] = Σ_i (W[j, i] + Σ_p ±scale_p[j]) · x[r, i], the sign term only
// for rows whose tenant has planes for this weight. Exact float32 for every dtype, any shape: it serves f32
// weights and shapes the tensor-core kernel (proj_*) does not take. One warp per output j walks W's row j once
// for up to R rows at a time; lane L takes columns c0 = (32t + L)·VEC. rowPlanes: [rows, 2] (first plane, plane
// count; count 0 = base only); planes: [P, 3] (words, scales, layout), words [outDim, ceil(in/32)] u32, scales
// [outDim] f32. Columns past `in` are never visited, so padding bits are never read as signs.
template <int DT, int VEC, int R>
__device__ __forceinline__ void matmul_body(const void* __restrict__ w, const float* __restrict__ x, float* __restrict__ out,
                                            int rows, int in, int outDim, const int* __restrict__ rowPlanes,
                                            const unsigned long long* __restrict__ planes) {
    int j = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (j >= outDim) {
        return;
    }
    const long long wRow = (long long) j * in;
    for (int r0 = 0; r0 < rows; r0 += R) {
        int nr = min(R, rows - r0);
        float acc[R];
#pragma unroll
        for (int r = 0; r < R; r++) {
            acc[r] = 0.f;
        }
        for (int c0 = lane * VEC; c0 < in; c0 += 32 * VEC) {
            float wv[VEC];
            load_w<DT, VEC>(w, wRow + c0, wv);
#pragma unroll
            for (int r = 0; r < R; r++) {
                if (r < nr) {
                    int row = r0 + r;
                    float xv[VEC];
                    load_x<VEC>(x + (long long) row * in + c0, xv);
                    float we[VEC];
#pragma unroll
                    for (int v = 0; v < VEC; v++) {
                        we[v] = wv[v];
                    }
                    if (rowPlanes != nullptr) {
                        int first = rowPlanes[2 * row];
                        int count = rowPlanes[2 * row + 1];
                        for (int p = first; p < first + count; p++) {
                            const unsigned int* words = reinterpret_cast<const unsigned int*>(planes[3 * p]);
                            float sc = reinterpret_cast<const float*>(planes[3 * p + 1])[j];
                            unsigned int bits = VEC == 8
                                    ? sign_bits8(words, (int) planes[3 * p + 2], j, in, c0)
                                    : __ldg(words + (long long) j * ((in + 31) >> 5) + (c0 >> 5)) >> (c0 & 31);
#pragma unroll
                            for (int v = 0; v < VEC; v++) {
                                we[v] += ((bits >> v) & 1u) ? sc : -sc;
                            }
                        }
                    }
#pragma unroll
                    for (int v = 0; v < VEC; v++) {
                        acc[r] = fmaf(we[v], xv[v], acc[r]);
                    }
                }
            }
        }
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (r < nr) {
                float s = warp_sum(acc[r]);
                if (lane == 0) {
                    out[(long long) (r0 + r) * outDim + j] = s;
                }
            }
        }
    }
}

#define MATMUL_KERNEL(NAME, DT, VEC, R)                                                                          \
    extern "C" __global__ void NAME(const void* w, const float* x, float* out, int rows, int in, int outDim,  \
                                    const int* rowPlanes, const unsigned long long* planes) {                 \
        AFTER_PREVIOUS_KERNEL();                                                                              \
        matmul_body<DT, VEC, R>(w, x, out, rows, in, outDim, rowPlanes, planes);                              \
    }

#define MATMUL_ROWS(DTNAME, DT, VEC)                          \
    MATMUL_KERNEL(matmul_##DTNAME##_v##VEC##_r1, DT, VEC, 1)   \
    MATMUL_KERNEL(matmul_##DTNAME##_v##VEC##_r4, DT, VEC, 4)   \
    MATMUL_KERNEL(matmul_##DTNAME##_v##VEC##_r16, DT, VEC, 16)

MATMUL_ROWS(f32, DT_F32, 1)
MATMUL_ROWS(f32, DT_F32, 8)
MATMUL_ROWS(f16, DT_F16, 1)
MATMUL_ROWS(f16, DT_F16, 8)
MATMUL_ROWS(bf16, DT_BF16, 1)
MATMUL_ROWS(bf16, DT_BF16, 8)

// ---------------------------------------------------------------------------------------------------------
// The projection on tensor cores, for f16/bf16 weights with in % 256 == 0 and outDim % 16 == 0:
//   out[r, j] = Σ_i W[j, i]·x[r, i] + Σ_e α_e[j] · Σ_i S_e[j, i]·x[r, i]   (rows r of entry e only)
// with mma.sync m16n8k16 (fp32 accumulation): M = 16 outputs j, N = 8 batch rows, K = 16 columns per mma.
// A block of PROJ_WARPS warps owns 16 outputs and one pass of up to 8·NT rows (grid: (outDim / 16, weights,
// row passes)); its warps split the columns into runs of 256-column groups and add their partial sums at the end.
// Within a 64-column chunk, thread (g, t) = (lane / 4, lane % 4) takes columns [16t, 16t + 16) of rows g and
// g + 8 with two 16-byte loads per row: mma's k order is a permutation of the columns, applied alike to A (W)
// and B (x), so the A fragment of k-step s is the loaded column pairs 2s and 2s + 1, and B's are x's columns
// 16t + 4s .. + 3 of row n = g. x comes in the weights' dtype (xh, prepare_group): two 16-byte loads per row.
// Tenants' sign terms run after it in a kernel of their own (proj_sign_terms), or, for one tenant on every row,
// merged into W's fragments (MergedSigns).
#define PROJ_WARPS 8

struct ProjWeight {
    const void* w;   // [outDim, in] f16 or bf16
    float* out;      // [rows, outDim]
    int outDim;
    int firstEntry;  // entries [firstEntry, firstEntry + entryCount) belong to this weight
    int entryCount;
};

template <bool BF16>
__device__ __forceinline__ void mma16816(float (&c)[4], const unsigned int (&a)[4], unsigned int b0, unsigned int b1) {
    if (BF16) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    } else {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    }
}

// c += popc(A AND B) per output, 1-bit in, s32 out (mma m16n8k256): A 16×256 bits (a0: row g, k 32t .. 32t + 31;
// a1: row g + 8; a2, a3: k + 128), B 256×8 (b0: column g, k 32t .. 32t + 31; b1: k + 128). a is a lane's
// SIGNS_TENSOR words of a group: .x row g h = 0, .y row g h = 1, .z and .w row g + 8.
__device__ __forceinline__ void mma_b1_popc(int (&c)[4], const uint4& a, unsigned int b0, unsigned int b1) {
    asm volatile("mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                 : "r"(a.x), "r"(a.z), "r"(a.y), "r"(a.w), "r"(b0), "r"(b1));
}

__device__ __forceinline__ unsigned int u4_at(const uint4& u, int i) {
    return i == 0 ? u.x : i == 1 ? u.y : i == 2 ? u.z : u.w;
}

// Rows g and g + 8 of W's 64-column chunk at col, as thread (g, t) holds them: columns 16t .. 16t + 15 of each.
// Evict-first loads (W is read once a step): the block's x stays in L1 for its other warps (on the H100, a 7B
// layer at 8 rows over 8 tenants 321 → 300 µs; at 1 row 144 → 140 µs).
__device__ __forceinline__ void load_w_chunk(uint4 (&a)[4], const unsigned short* w0, const unsigned short* w8, long long col) {
    a[0] = __ldcs(reinterpret_cast<const uint4*>(w0 + col));
    a[1] = __ldcs(reinterpret_cast<const uint4*>(w0 + col + 8));
    a[2] = __ldcs(reinterpret_cast<const uint4*>(w8 + col));
    a[3] = __ldcs(reinterpret_cast<const uint4*>(w8 + col + 8));
}

// Half h (128 columns) of W's group grp: its two 64-column chunks.
__device__ __forceinline__ void load_w_half(uint4 (&a)[2][4], const unsigned short* w0, const unsigned short* w8, int grp, int h) {
    load_w_chunk(a[0], w0, w8, 256LL * grp + 128 * h);
    load_w_chunk(a[1], w0, w8, 256LL * grp + 128 * h + 64);
}

// cp.async of 16 bytes from global to this thread's shared memory (no registers held while in flight), through L2
// only (sign words are read once a step: L1 keeps x for the block's other warps).
__device__ __forceinline__ void cp_async_l2(void* dst, const void* src) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"((unsigned int) __cvta_generic_to_shared(dst)), "l"(src));
}

// cp.async of 4 bytes (through L1: the size .cg does not take).
__device__ __forceinline__ void cp_async_4(void* dst, const void* src) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4;\n" ::"r"((unsigned int) __cvta_generic_to_shared(dst)), "l"(src));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int PENDING>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(PENDING)); }

// One tenant on every row of a launch (the _merged kernels, which CudaBackend picks then): its planes are added into
// W's fragments as they arrive, W + Σ_p α_p[j]·S_p rounded to the weights' dtype, and the base term's mma does the
// rest: no sign mma, no int8 x, and x is read in 16 bits as without tenants. A pair of weights takes one PRMT, one
// LOP3 and one 16-bit add (a shift per two pairs). The rounding adds at most half an ulp of W + αS per weight, as
// storing the fine-tuned weights in the dtype would. Side by side on the H100 against the sign-term kernels, a 7B
// step at 32 rows over 1 tenant 11.85 → 9.93 ms (1 and 8 rows: the same, 5.75 and 6.61–6.65, until the parameters
// shrank: ProjMergedPlanes).
#define PROJ_MERGED_PLANES 2

__device__ __forceinline__ unsigned int& u4_ref(uint4& u, int i) {
    return i == 0 ? u.x : i == 1 ? u.y : i == 2 ? u.z : u.w;
}

template <bool BF16>
__device__ __forceinline__ unsigned int add_pair(unsigned int a, unsigned int b) {
    if (BF16) {
        __nv_bfloat162 r = __hadd2(*reinterpret_cast<const __nv_bfloat162*>(&a), *reinterpret_cast<const __nv_bfloat162*>(&b));
        return *reinterpret_cast<unsigned int*>(&r);
    }
    __half2 r = __hadd2(*reinterpret_cast<const __half2*>(&a), *reinterpret_cast<const __half2*>(&b));
    return *reinterpret_cast<unsigned int*>(&r);
}

// The tenant's planes of one weight as a warp of a block of outputs j0 .. j0 + 15 adds them, kept in the warp's
// shared memory (held in registers, the 4-n-tile kernel spilled 112 bytes; so, 12): a group's words come by
// cp.async, holding no registers in flight.
template <bool BF16>
struct MergedSigns {
    uint4 wd[PROJ_MERGED_PLANES][32];  // per lane, a group's SIGNS_TENSOR words: row g's (.x half 0, .y half 1), g + 8's (.z, .w)
    float alpha[PROJ_MERGED_PLANES][16];  // α of outputs j0 .. j0 + 15
    const unsigned int* words[PROJ_MERGED_PLANES];
    int planes;

    // By the whole warp. planes: the weight's count planes, [count, 2] u64 (words, scales). α comes by cp.async
    // with the first group's words, which so need not wait for it (loaded, packed and stored first, it held them back
    // a memory latency at each block's start: side by side on the H100, 32 rows over 1 tenant 9.60 → 9.49 ms; 1 and
    // 8 rows the same); apply packs it, two instructions a chunk and plane.
    __device__ __forceinline__ void init(const unsigned long long* planesOfW, int count, int j0) {
        const int lane = threadIdx.x & 31;
        static_assert(PROJ_MERGED_PLANES * 16 == 32, "lane 16p + o copies plane p's α of output j0 + o");
        const int p = lane >> 4;
        const int o = lane & 15;
        if (p < count) {
            const unsigned long long* en = planesOfW + 2 * p;
            cp_async_4(&alpha[p][o], reinterpret_cast<const float*>(en[1]) + j0 + o);
            if (o == 0) {
                words[p] = reinterpret_cast<const unsigned int*>(en[0]);
            }
        }
        if (lane == 0) {
            planes = count;
        }
        __syncwarp();
    }

    // The lane's 16 bytes of group grp per plane on their way (through L2 only: read once a step, as W).
    __device__ __forceinline__ void load(int j0, int grp, int groups) {
        const int lane = threadIdx.x & 31;
        for (int p = 0; p < planes; p++) {
            cp_async_l2(&wd[p][lane], words[p] + tensor_word_at(j0 + (lane >> 2), grp, groups, 2 * (lane & 3)));
        }
        cp_async_commit();
    }

    // Into W's chunk c2 of half h as thread (g, t) holds it (a: row g pairs 0..3, 4..7, row g + 8's), once load's
    // copy has landed: pair q is columns 16t + 2q, + 1, bits 8k + 7 − r of the word, r = 4·c2 + q / 2,
    // k = 2·(q % 2) + 0|1 (tensor_sign_bit); shifted left by r they are the sign bits of bytes 2·(q % 2) and + 1, which
    // PRMT puts at bits 15 and 31.
    __device__ __forceinline__ void apply(uint4 (&a)[4], int h, int c2) const {
        const int lane = threadIdx.x & 31;
        for (int p = 0; p < planes; p++) {
            const uint4 w = wd[p][lane];
            const unsigned int wg = h == 0 ? w.x : w.y;
            const unsigned int w8 = h == 0 ? w.z : w.w;
            const float al0 = alpha[p][lane >> 2];
            const float al8 = alpha[p][8 + (lane >> 2)];
            const unsigned int ag0 = BF16 ? pack_bf16(al0, al0) : pack_f16(al0, al0);
            const unsigned int a80 = BF16 ? pack_bf16(al8, al8) : pack_f16(al8, al8);
#pragma unroll
            for (int r = 0; r < 4; r++) {
                const unsigned int sg = wg << (4 * c2 + r);
                const unsigned int s8 = w8 << (4 * c2 + r);
#pragma unroll
                for (int odd = 0; odd < 2; odd++) {
                    const int q = 2 * r + odd;
                    const unsigned int sel = odd ? 0x3020u : 0x1000u;  // bytes 2, 3 or 0, 1 into bytes 1 and 3
                    unsigned int& ag = u4_ref(a[q >> 2], q & 3);
                    unsigned int& a8 = u4_ref(a[2 + (q >> 2)], q & 3);
                    ag = add_pair<BF16>(ag, (__byte_perm(sg, 0u, sel) & 0x80008000u) ^ ag0);
                    a8 = add_pair<BF16>(a8, (__byte_perm(s8, 0u, sel) & 0x80008000u) ^ a80);
                }
            }
        }
    }
};

// xh: x as prepare_groups leaves it in the weights' dtype. MERGED: the one tenant's planes merged into W
// (MergedSigns), `entries` then being the weight's planes as MergedSigns::init reads them (else unused).
template <bool BF16, int NT, bool MERGED>
__device__ __forceinline__ void proj_body(ProjWeight pw, const unsigned short* __restrict__ xh, int rows, int in,
                                          const unsigned long long* __restrict__ entries) {
    constexpr int STAGE_BYTES = MERGED ? (int) sizeof(MergedSigns<BF16>) * PROJ_WARPS : 0;
    constexpr int PARTIAL_BYTES = PROJ_WARPS * NT * 4 * 32 * (int) sizeof(float);
    static_assert(STAGE_BYTES <= 48 * 1024 && PARTIAL_BYTES <= 48 * 1024, "static shared memory: 48 KB a block");
    __shared__ __align__(16) unsigned char smem[STAGE_BYTES > PARTIAL_BYTES ? STAGE_BYTES : PARTIAL_BYTES];
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int g = lane >> 2;
    const int t = lane & 3;
    const int j0 = blockIdx.x * 16;
    if (j0 >= pw.outDim) {
        return;  // a shorter weight of a fused launch (k and v beside q under grouped-query attention)
    }
    const int rowBase = blockIdx.z * 8 * NT;
    const int groups = in >> 8;
    const int gFirst = warp * groups / PROJ_WARPS;
    const int gEnd = (warp + 1) * groups / PROJ_WARPS;
    const unsigned short* w0 = static_cast<const unsigned short*>(pw.w) + (long long) (j0 + g) * in + 16 * t;
    const unsigned short* w8 = w0 + 8LL * in;

    float acc[NT][4];
#pragma unroll
    for (int nt = 0; nt < NT; nt++) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            acc[nt][i] = 0.f;
        }
    }
    // The group in two halves of 128 columns (chunks 2h, 2h + 1): W's fragments of a half only, few enough
    // registers that two blocks share a multiprocessor (twice the warps waiting on memory beat twice the loads in
    // flight per warp). W runs a half ahead: a holds the next half to multiply, loaded with its x as soon as the one
    // before it is done (side by side on the H100 against each half loaded as it is multiplied: 32 rows 9.32 → 8.96 ms).
    // The _merged kernel at one n-tile holds two halves (BUFS): the next one's loads are issued before this one's
    // merge and mma, whose work would otherwise lie between a warp's loads (side by side, 1 row over 1 tenant 5.66 →
    // 5.64 ms, 8 rows 6.51 → 6.50, in both rounds; 128 registers, two blocks a multiprocessor).
    constexpr int BUFS = MERGED && NT == 1 ? 2 : 1;  // halves in registers: with 2, half h in buffer h
    uint4 a[BUFS][2][4];       // [buffer][chunk][row g lo, row g hi, row g+8 lo, row g+8 hi]
    uint4 bw[BUFS][2][NT][2];  // x's columns of a chunk, row g: [buffer][chunk][n-tile], k-step s's b0, b1 are words
                               // 2s, 2s + 1
    auto load_x_chunk = [&](int grp, int h, int c2) {
        int col = 256 * grp + 64 * (2 * h + c2) + 16 * t;
#pragma unroll
        for (int nt = 0; nt < NT; nt++) {
            int row = rowBase + 8 * nt + g;
#pragma unroll
            for (int q = 0; q < 2; q++) {
                bw[h % BUFS][c2][nt][q] = row < rows ? __ldg(reinterpret_cast<const uint4*>(xh + (long long) row * in + col) + q)
                                                     : make_uint4(0u, 0u, 0u, 0u);
            }
        }
    };
    auto load_half = [&](int grp, int h) {
        load_w_half(a[h % BUFS], w0, w8, grp, h);
        load_x_chunk(grp, h, 0);
        load_x_chunk(grp, h, 1);
    };
    if (gFirst < gEnd) {
        load_half(gFirst, 0);
    }
    // The tenant's planes, after W's first loads, which would otherwise wait behind them at each block's start (a
    // block's 16 outputs of a 7B projection take about 10 µs at 1 row; side by side, 32 rows over 1 tenant 9.93 →
    // 9.88 ms).
    MergedSigns<BF16>& merged = reinterpret_cast<MergedSigns<BF16>*>(smem)[warp];
    if constexpr (MERGED) {
        merged.init(entries, pw.entryCount, j0);
        if (gFirst < gEnd) {
            merged.load(j0, gFirst, groups);
        }
    }
    for (int grp = gFirst; grp < gEnd; grp++) {
        // Rolled up to 2 n-tiles (unrolled, 1 row took 5.32 ms against 5.26, 8 rows 6.17 against 6.07); at 4 the
        // unrolled loop ran the same. Unrolled with two buffers, whose index is the half.
#pragma unroll(NT < 4 && BUFS == 1 ? 1 : 2)
        for (int h = 0; h < 2; h++) {
            const int buf = h % BUFS;
            if (BUFS == 2 && grp + h < gEnd) {
                load_half(grp + h, h ^ 1);  // the half after this one, before this one's work
            }
#pragma unroll
            for (int c2 = 0; c2 < 2; c2++) {
                if constexpr (MERGED) {
                    if (h == 0 && c2 == 0) {
                        cp_async_wait<0>();  // the group's words
                        __syncwarp();        // and α, which other lanes copied
                    }
                    merged.apply(a[buf][c2], h, c2);
                }
#pragma unroll
                for (int s = 0; s < 4; s++) {
                    // column pair p = 2s + (0|1) of rows g, g + 8: the uint4 holding pairs 0..3 or 4..7, element p % 4
                    int p0 = 2 * s;
                    unsigned int af[4] = {u4_at(a[buf][c2][p0 >> 2], p0 & 3), u4_at(a[buf][c2][2 + (p0 >> 2)], p0 & 3),
                                          u4_at(a[buf][c2][(p0 + 1) >> 2], (p0 + 1) & 3),
                                          u4_at(a[buf][c2][2 + ((p0 + 1) >> 2)], (p0 + 1) & 3)};
#pragma unroll
                    for (int nt = 0; nt < NT; nt++) {
                        mma16816<BF16>(acc[nt], af, u4_at(bw[buf][c2][nt][s >> 1], 2 * (s & 1)),
                                       u4_at(bw[buf][c2][nt][s >> 1], 2 * (s & 1) + 1));
                    }
                }
            }
            if (grp + h < gEnd) {
                if (BUFS == 1) {
                    load_half(grp + h, h ^ 1);  // the half after this one
                }
                if (MERGED && h == 1) {
                    merged.load(j0, grp + 1, groups);  // that group's planes
                }
            }
        }
    }
    cp_async_wait<0>();
    __syncthreads();  // the merged planes' stages become the partial sums
    float (*partial)[NT][4][32] = reinterpret_cast<float (*)[NT][4][32]>(smem);
#pragma unroll
    for (int nt = 0; nt < NT; nt++) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            partial[warp][nt][i][lane] = acc[nt][i];
        }
    }
    __syncthreads();
    // C fragment element i of lane (g, t): output j0 + g + 8·(i / 2), batch row 2t + i % 2 of its n-tile
    for (int v = threadIdx.x; v < NT * 4 * 32; v += blockDim.x) {
        int nt = v / 128;
        int i = (v >> 5) & 3;
        int l = v & 31;
        int row = rowBase + 8 * nt + 2 * (l & 3) + (i & 1);
        if (row < rows) {
            float sum = 0.f;
#pragma unroll
            for (int wp = 0; wp < PROJ_WARPS; wp++) {
                sum += partial[wp][nt][i][l];
            }
            pw.out[(long long) row * pw.outDim + j0 + (l >> 2) + 8 * (i >> 1)] = sum;
        }
    }
}

// A launch's sign entries passed in its parameters when they fit, [E, 4] as `entries` (a table copied to the device
// before each launch is a copy-engine operation between two kernels: about 2 µs of an idle GPU, four times a layer;
// a 7B step at 1 row over 1 tenant 6.64 → 6.48 ms). 24 entries (768 bytes) hold 8 tenants' q/k/v; a 64-entry
// table (2 KB of parameters a launch) once made that 1-row step take 10 ms, unexplained, so the table stays small.
#define PROJ_INLINE_ENTRIES 24
struct ProjTable {
    unsigned long long e[PROJ_INLINE_ENTRIES * 4];
};

// Up to three weights that read the same x in one launch (q, k, v; gate, up): blockIdx.y picks the weight, its
// entries [first, first + count) of `entries` (proj_sign_terms; null when they came inline, ProjTable). Every
// projection kernel takes these parameters, so a launch of the base term and of its sign terms passes the same.
// Measured on the H100, a 7B layer's four projections: 1 row without tenants 173 µs at one block per
// multiprocessor, 143 at two (floor 135).
#define PROJ_PARAMS                                                                                                    \
    const unsigned short *xh, const unsigned int *xq, const float2 *xstats, int rows, int in,                        \
            const unsigned long long *entries,                                                                         \
            const void *w0, float *out0, int outDim0, int first0, int count0, const void *w1, float *out1, int outDim1, \
            int first1, int count1, const void *w2, float *out2, int outDim2, int first2, int count2
#define PROJ_WEIGHT                                                                                                    \
    ProjWeight pw = blockIdx.y == 0 ? ProjWeight{w0, out0, outDim0, first0, count0}                                    \
                  : blockIdx.y == 1 ? ProjWeight{w1, out1, outDim1, first1, count1}                                    \
                                    : ProjWeight{w2, out2, outDim2, first2, count2}
// The _merged kernels take their weights' planes alone, [weight, plane] (words, scales): 96 bytes of parameters
// where ProjTable is 768 (side by side on the H100: 1 row over 1 tenant 5.76 → 5.71 ms, 8 over 1 6.60 → 6.54, 32
// over 1 9.89 → 9.72).
struct ProjMergedPlanes {
    unsigned long long e[3][PROJ_MERGED_PLANES][2];
};
#define PROJ_MERGED_KERNEL(NAME, BF16, NT, MIN_BLOCKS)                                                                 \
    extern "C" __global__ void __launch_bounds__(32 * PROJ_WARPS, MIN_BLOCKS)                                          \
            NAME(PROJ_PARAMS, const __grid_constant__ ProjMergedPlanes planes) {                                       \
        AFTER_PREVIOUS_KERNEL();                                                                                       \
        PROJ_WEIGHT;                                                                                                   \
        proj_body<BF16, NT, true>(pw, xh, rows, in, &planes.e[blockIdx.y][0][0]);                                      \
    }
#define PROJ_BASE_KERNEL(NAME, BF16, NT)                                                                               \
    extern "C" __global__ void __launch_bounds__(32 * PROJ_WARPS, 2) NAME(PROJ_PARAMS) {                               \
        AFTER_PREVIOUS_KERNEL();                                                                                       \
        LET_NEXT_KERNEL_START(); /* proj_sign_terms walks its signs during this kernel's tail */                       \
        PROJ_WEIGHT;                                                                                                   \
        proj_body<BF16, NT, false>(pw, xh, rows, in, entries);                                                         \
    }

// One tenant on every row: the base kernel with its planes merged into W; at one n-tile two blocks a
// multiprocessor of 128 registers, holding two halves of W (proj_body's BUFS; with one, three blocks of 80 registers
// had beaten two: 1 row over 1 tenant 5.684 → 5.667 ms, 8 over 1 6.521 → 6.496).
PROJ_MERGED_KERNEL(proj_f16_n1_merged, false, 1, 2)
PROJ_MERGED_KERNEL(proj_f16_n2_merged, false, 2, 2)
PROJ_MERGED_KERNEL(proj_f16_n4_merged, false, 4, 2)
PROJ_MERGED_KERNEL(proj_bf16_n1_merged, true, 1, 2)
PROJ_MERGED_KERNEL(proj_bf16_n2_merged, true, 2, 2)
PROJ_MERGED_KERNEL(proj_bf16_n4_merged, true, 4, 2)
PROJ_BASE_KERNEL(proj_f16_n1_base, false, 1)
PROJ_BASE_KERNEL(proj_f16_n2_base, false, 2)
PROJ_BASE_KERNEL(proj_f16_n4_base, false, 4)
PROJ_BASE_KERNEL(proj_bf16_n1_base, true, 1)
PROJ_BASE_KERNEL(proj_bf16_n2_base, true, 2)
PROJ_BASE_KERNEL(proj_bf16_n4_base, true, 4)

// Tenants' sign terms as a kernel of their own, after proj_*_base has written the base term:
//   out[r, j] += Σ_e α_e[j] · Σ_i S_e[j, i]·x[r, i]   (rows r of entry e only)
// on 1-bit tensor cores over x's bit planes (quantize_group; x's int8 quantization adds about absmax / (440·rms)
// of each group's x to the term: 0.4% for uniform x). A warp owns 32 outputs (two tiles of 16) of one weight and one
// segment (its planes are consecutive entries with the same rows; the warp of the first adds them all, so each out
// element has one writer and the sums are deterministic) and walks all of the columns, R ≤ 8 rows at a time
// (sign_rows_term), its next groups' sign words in flight (a 16-byte evict-first load per lane and tile, a warp's
// 512 contiguous bytes of SIGNS_TENSOR), x's fragments of a group loaded once for both tiles. A warp's long walk keeps
// its loads streaming: on the H100, side by side against the sign terms fused into the base kernel (a block's warps
// splitting the columns of base and sign terms alike, int8 tensor cores up to 8 rows), a 7B step at 32 rows over 32
// tenants 28.0 → 20.4 ms and over 8 14.55 → 12.70, 8 rows over 8 9.10 → 9.18; with the block of 4 warps splitting
// one segment's columns (a short walk each) 32 over 32 took 24.4, and as a phase of the base kernel (its warps' units
// after the base term, into its partial sums) 26.3. Two tiles a warp rather than one read x half as often (32 over 8
// 12.34 → 12.15 ms, 8 over 8 8.92 → 8.75, 32 over 32 19.87 → 19.19); 3 groups ahead rather than 2 took 12.37 at 32
// over 8, and 4 spill at 6 blocks a multiprocessor.
// The kernel starts while proj_*_base finishes (LET_NEXT_KERNEL_START) and waits for it only to add into out: 32
// over 8 12.71 → 12.36 ms, 8 over 8 9.25 → 8.94, 32 over 32 20.37 → 19.86.
// Where a launch has too few walks to fill the multiprocessors' block slots (a 7B o or down projection over 8 tenants:
// 256 blocks for 132 × 6 slots, each walk 2 groups of loads in flight: Nsight Compute read 36% and 46% of DRAM's
// peak), splitWarps = 2 or 4 consecutive warps of a block split a walk's columns (SignSplit), their sums added
// through shared memory in the warps' order (the host picks it, CudaBackend.signSplitWarps). Side by side on the
// H100: 32 rows over 8 tenants 12.15 → 11.69 ms, 8 over 8 8.77 → 8.60, 32 over 32 (no split) 19.21 → 19.27.
// Grid: (outDim / 32 / (SIGN_WARPS / splitWarps), weights, the most entries of a weight); the kernel takes proj_*'s
// parameters, then its entries and splitWarps.
#define SIGN_WARPS 4

// The columns' share of one warp when `warps` consecutive warps of a block split a segment's 32 outputs: groups
// [begin, end), index 0 the warp that adds the sum into out. Named barrier 1 + slot syncs the slot's warps alone (a
// warp past outDim leaves with the others of its slot; slot < 2 as warps ≥ 2). `partials` [SIGN_WARPS][8][32]: a
// warp's terms, lane-major.
struct SignSplit {
    int warps, index, slot, begin, end;
    float* partials;
};

__device__ __forceinline__ void split_barrier(const SignSplit& split) {
    // Ids as constants: with a computed id the kernel held all 16 of a block's barriers, and every launch was slower
    // (a 7B step at 32 rows over 32 tenants, which never splits, 19.22 → 20.09 ms).
    if (split.slot == 0) {
        asm volatile("bar.sync 1, %0;\n" ::"r"(32 * split.warps) : "memory");
    } else {
        asm volatile("bar.sync 2, %0;\n" ::"r"(32 * split.warps) : "memory");
    }
}

// terms[n] of every warp of the split summed, in the order of the warps' index (so the sum is deterministic), into
// warp 0's terms.
__device__ __forceinline__ void sum_split_terms(const SignSplit& split, float* terms, int n) {
    const int lane = threadIdx.x & 31;
    float* mine = split.partials + (threadIdx.x >> 5) * 8 * 32 + lane;
    split_barrier(split);  // warp 0 has read the rows before
    if (split.index > 0) {
        for (int i = 0; i < n; i++) {
            mine[32 * i] = terms[i];
        }
    }
    split_barrier(split);
    if (split.index == 0) {
        for (int w = 1; w < split.warps; w++) {
            for (int i = 0; i < n; i++) {
                terms[i] += mine[(w * 8 + i) * 32];
            }
        }
    }
}

// Rows lo .. lo + m − 1 (m ≤ R) of a segment, R = 1, 2, 4 or 8: R mma per group and tile, B column n of mma i being plane
// P·i + n % P of row n / P (P = 8 / R: a row's 8 planes spread over R mma), high planes first with the accumulators
// shifted P bits between (Horner), plane 7 negated (it weighs −128). Lane (g, t)'s C columns 2t and 2t + 1 are then
// one row's planes k0 = 2t % P and k0 + 1 weighted 2^k0 and 2^(k0 + 1) (rows 2t and 2t + 1 when R = 8), summed over
// the P / 2 lanes of the row at the end, and scaled per group by α·(−2s) of the row as they accumulate. B columns
// of rows past m repeat the last row; their outputs are never written. On the H100, side by side against one mma
// per row and group (a row's 8 planes its B columns), a 7B step at 32 rows over 8 tenants of 4 rows 15.72 → 12.70
// ms, over 32 of one row (the same mma) 19.96 → 20.37 across calls; with the R mma independent, summed after,
// 12.37 → 12.38 (no dependency stall to hide).
template <int R, int AHEAD>
__device__ __forceinline__ void sign_rows_term(const ProjWeight& pw, const unsigned int* __restrict__ xq,
                                               const float2* __restrict__ xstats, int groups, const SignSplit& split,
                                               const unsigned long long* en, int planes, int j0, int lo, int m) {
    constexpr int P = 8 / R;
    constexpr int LANE_ROWS = R == 8 ? 2 : 1;  // rows of a lane's C columns
    const int lane = threadIdx.x & 31;
    const int g = lane >> 2;
    const int t = lane & 3;
    const int k0 = (2 * t) % P;
    const int tiles = j0 + 16 < pw.outDim ? 2 : 1;                      // of 16 outputs (warp-uniform)
    const long long rowB = lo + min(g / P, m - 1);                      // B column g's row ...
    const int planeB = g % P;                                           // ... and its plane within an mma
    int rowC[LANE_ROWS];                                                // C columns' rows (clamped)
#pragma unroll
    for (int q = 0; q < LANE_ROWS; q++) {
        rowC[q] = R == 8 ? 2 * t + q : 2 * t / P;
    }
    const bool plane7 = R == 8 || (2 * t + 2) % P == 0;                // column 2t + 1 holds plane 7 in the top mma
    // per tile T: Σ_p α_p·(−2s)·Σ_{S=−1} x_q of output j0 + 16T + g (accG) and + 8 (acc8), this lane's planes of its
    // row(s); Σ_p α_p of those outputs (the term's Σx share)
    float accG[2][LANE_ROWS] = {};
    float acc8[2][LANE_ROWS] = {};
    float alphaG[2] = {};
    float alpha8[2] = {};
    float sumX[LANE_ROWS] = {};  // Σx of the row(s)
    for (int p = 0; p < planes; p++) {
        // tile T's words: the next 16 rows' block of SIGNS_TENSOR
        const uint4* words = reinterpret_cast<const uint4*>(en[4 * p]) + (long long) (j0 >> 4) * groups * 32 + lane;
        const long long tileWords = (long long) groups * 32;
        const float* scales = reinterpret_cast<const float*>(en[4 * p + 1]);
        float ag[2], a8[2];
#pragma unroll
        for (int T = 0; T < 2; T++) {
            ag[T] = T < tiles ? __ldg(scales + j0 + 16 * T + g) : 0.f;
            a8[T] = T < tiles ? __ldg(scales + j0 + 16 * T + g + 8) : 0.f;
            alphaG[T] += ag[T];
            alpha8[T] += a8[T];
        }
        uint4 wd[AHEAD][2];  // groups grp0 .. grp0 + AHEAD − 1 of each tile, each slot refilled as it is used
#pragma unroll
        for (int u = 0; u < AHEAD; u++) {
#pragma unroll
            for (int T = 0; T < 2; T++) {
                wd[u][T] = split.begin + u < split.end && T < tiles ? __ldcs(words + T * tileWords + 32 * (split.begin + u))
                                                                    : make_uint4(0u, 0u, 0u, 0u);
            }
        }
        for (int grp0 = split.begin; grp0 < split.end; grp0 += AHEAD) {
#pragma unroll
            for (int u = 0; u < AHEAD; u++) {
                const int grp = grp0 + u;
                if (grp < split.end) {
                    const unsigned int* xb = xq + ((rowB * groups + grp) * 4 + t) * 16 + 2 * planeB;
                    float2 xs[LANE_ROWS];
#pragma unroll
                    for (int q = 0; q < LANE_ROWS; q++) {
                        xs[q] = __ldg(xstats + (long long) (lo + min(rowC[q], m - 1)) * groups + grp);
                        sumX[q] += p == 0 ? xs[q].y : 0.f;
                    }
                    uint2 b[R];  // x's B fragments, shared by the tiles
#pragma unroll
                    for (int i = 0; i < R; i++) {
                        b[i] = __ldg(reinterpret_cast<const uint2*>(xb + 2 * P * i));
                    }
#pragma unroll
                    for (int T = 0; T < 2; T++) {
                        if (T < tiles) {
                            int c[4] = {0, 0, 0, 0};
#pragma unroll
                            for (int i = R - 1; i >= 0; i--) {
                                if (i < R - 1) {
#pragma unroll
                                    for (int k = 0; k < 4; k++) {
                                        c[k] *= 1 << P;
                                    }
                                }
                                mma_b1_popc(c, wd[u][T], b[i].x, b[i].y);
                                if (i == R - 1 && plane7) {
                                    c[1] = -c[1];
                                    c[3] = -c[3];
                                    if (R == 8) {
                                        c[0] = -c[0];
                                        c[2] = -c[2];
                                    }
                                }
                            }
#pragma unroll
                            for (int q = 0; q < LANE_ROWS; q++) {
                                const int vg = R == 8 ? c[q] : (c[0] + 2 * c[1]) << k0;
                                const int v8 = R == 8 ? c[2 + q] : (c[2] + 2 * c[3]) << k0;
                                accG[T][q] = fmaf(ag[T] * xs[q].x, (float) vg, accG[T][q]);
                                acc8[T][q] = fmaf(a8[T] * xs[q].x, (float) v8, acc8[T][q]);
                            }
                            wd[u][T] = grp + AHEAD < split.end ? __ldcs(words + T * tileWords + 32 * (grp + AHEAD)) : wd[u][T];
                        }
                    }
                }
            }
        }
    }
    float term[2][LANE_ROWS][2];  // per tile and row: outputs g and g + 8, over this warp's columns
#pragma unroll
    for (int T = 0; T < 2; T++) {
#pragma unroll
        for (int q = 0; q < LANE_ROWS; q++) {
#pragma unroll
            for (int off = 1; off < P / 2; off <<= 1) {  // the row's other lanes
                accG[T][q] += __shfl_xor_sync(0xffffffffu, accG[T][q], off);
                acc8[T][q] += __shfl_xor_sync(0xffffffffu, acc8[T][q], off);
            }
            term[T][q][0] = fmaf(alphaG[T], sumX[q], accG[T][q]);
            term[T][q][1] = fmaf(alpha8[T], sumX[q], acc8[T][q]);
        }
    }
    if (split.warps > 1) {
        sum_split_terms(split, &term[0][0][0], 4 * LANE_ROWS);
    }
#pragma unroll
    for (int T = 0; T < 2; T++) {
#pragma unroll
        for (int q = 0; q < LANE_ROWS; q++) {
            if (split.index == 0 && T < tiles && k0 == 0 && rowC[q] < m) {
                AFTER_PREVIOUS_KERNEL();  // proj_*_base's term is in out
                float* o = pw.out + (long long) (lo + rowC[q]) * pw.outDim + j0 + 16 * T + g;
                o[0] += term[T][q][0];
                o[8] += term[T][q][1];
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(32 * SIGN_WARPS, 6) proj_sign_terms(PROJ_PARAMS,
                                                                             const __grid_constant__ ProjTable inlineEntries,
                                                                             int splitWarps) {
    __shared__ float partials[SIGN_WARPS * 8 * 32];
    PROJ_WEIGHT;
    const int warp = threadIdx.x >> 5;
    const int j0 = 32 * (SIGN_WARPS / splitWarps * blockIdx.x + warp / splitWarps);
    const int e = blockIdx.z;
    if (j0 >= pw.outDim || e >= pw.entryCount) {
        return;
    }
    const unsigned long long* en = (entries != nullptr ? entries : inlineEntries.e) + 4 * (pw.firstEntry + e);
    const int first = (int) en[2];
    const int n = (int) en[3];
    if (e > 0 && (int) en[-2] == first && (int) en[-1] == n) {
        return;  // a later plane of the segment: its first plane's warp adds it
    }
    int planes = 1;
    while (e + planes < pw.entryCount && (int) en[4 * planes + 2] == first && (int) en[4 * planes + 3] == n) {
        planes++;
    }
    const int groups = in >> 8;
    const int index = warp % splitWarps;
    const SignSplit split{splitWarps, index, warp / splitWarps, groups * index / splitWarps,
                          groups * (index + 1) / splitWarps, partials};
    for (int lo = first; lo < first + n; lo += 8) {
        const int m = min(8, first + n - lo);
        if (m == 1) {
            sign_rows_term<1, 2>(pw, xq, xstats, groups, split, en, planes, j0, lo, m);
        } else if (m == 2) {
            sign_rows_term<2, 2>(pw, xq, xstats, groups, split, en, planes, j0, lo, m);
        } else if (m <= 4) {
            sign_rows_term<4, 2>(pw, xq, xstats, groups, split, en, planes, j0, lo, m);
        } else {
            sign_rows_term<8, 1>(pw, xq, xstats, groups, split, en, planes, j0, lo, m);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Row-wise ops.

// out[r] = table[tokens[r]]; grid: rows
template <int DT>
__device__ __forceinline__ void embed_body(const void* table, const int* tokens, int dim, float* out) {
    long long src = (long long) tokens[blockIdx.x] * dim;
    long long dst = (long long) blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        out[dst + i] = load_one<DT>(table, src + i);
    }
}

extern "C" __global__ void embed_f32(const void* t, const int* tok, int dim, float* out) {
    AFTER_PREVIOUS_KERNEL(); embed_body<DT_F32>(t, tok, dim, out); }
extern "C" __global__ void embed_f16(const void* t, const int* tok, int dim, float* out) {
    AFTER_PREVIOUS_KERNEL(); embed_body<DT_F16>(t, tok, dim, out); }
extern "C" __global__ void embed_bf16(const void* t, const int* tok, int dim, float* out) {
    AFTER_PREVIOUS_KERNEL(); embed_body<DT_BF16>(t, tok, dim, out); }

// Four consecutive elements from element i of a gain or bias in its dtype (i a multiple of 4).
template <int DT>
__device__ __forceinline__ float4 load_four(const void* __restrict__ w, long long i) {
    if (DT == DT_F32) {
        return __ldg(reinterpret_cast<const float4*>(static_cast<const float*>(w) + i));
    }
    uint2 u = __ldg(reinterpret_cast<const uint2*>(static_cast<const unsigned short*>(w) + i));
    float4 o;
    unpack_halves(u.x, o.x, o.y, DT == DT_BF16);
    unpack_halves(u.y, o.z, o.w, DT == DT_BF16);
    return o;
}

// out[r] = gain ⊙ x[r] / sqrt(mean(x[r]²) + eps), after x[r] += addend[r] when addend is not null (the residual
// connection fused in; out may be addend: a thread reads an element before it writes it); grid: rows, block:
// BLOCK_THREADS. A row of 4096 is one float4 per thread: the loads of a row are all in flight at once (one thread
// walking a row's elements one after another took 12 µs on the H100, a quarter of a 1-row layer's small kernels).
// xh (halfBf16), xq, xstats: when either is not null (dim % 256 == 0), out prepared for the projection after it as
// prepare_groups does it.
template <int DT>
__device__ __forceinline__ void rmsnorm_body(float* x, const float* addend, const void* __restrict__ gain, float eps,
                                             int dim, float* out, unsigned short* xh, int halfBf16, unsigned int* xq,
                                             float2* xstats) {
    __shared__ float scratch[32];
    float* xr = x + (long long) blockIdx.x * dim;
    const float* ar = addend == nullptr ? nullptr : addend + (long long) blockIdx.x * dim;
    float* o = out + (long long) blockIdx.x * dim;
    bool four = (dim & 3) == 0;  // rows and gains then 16- and 8-byte aligned
    float s = 0.f;
    if (four) {
        for (int i = 4 * threadIdx.x; i < dim; i += 4 * BLOCK_THREADS) {
            float4 v = *reinterpret_cast<const float4*>(xr + i);
            if (ar != nullptr) {
                float4 d = *reinterpret_cast<const float4*>(ar + i);
                v = make_float4(v.x + d.x, v.y + d.y, v.z + d.z, v.w + d.w);
                *reinterpret_cast<float4*>(xr + i) = v;
            }
            s = fmaf(v.x, v.x, fmaf(v.y, v.y, fmaf(v.z, v.z, fmaf(v.w, v.w, s))));
        }
    } else {
        for (int i = threadIdx.x; i < dim; i += BLOCK_THREADS) {
            float v = ar == nullptr ? xr[i] : (xr[i] = xr[i] + ar[i]);
            s = fmaf(v, v, s);
        }
    }
    float inv = 1.0f / sqrtf(block_reduce(s, ReduceSum(), scratch) / dim + eps);
    if (four) {
        for (int i = 4 * threadIdx.x; i < dim; i += 4 * BLOCK_THREADS) {
            float4 v = *reinterpret_cast<const float4*>(xr + i);
            float4 g = load_four<DT>(gain, i);
            *reinterpret_cast<float4*>(o + i) = make_float4(g.x * (v.x * inv), g.y * (v.y * inv), g.z * (v.z * inv),
                                                            g.w * (v.w * inv));
        }
    } else {
        for (int i = threadIdx.x; i < dim; i += BLOCK_THREADS) {
            o[i] = load_one<DT>(gain, i) * (xr[i] * inv);
        }
    }
    if (xh != nullptr || xq != nullptr) {
        __syncthreads();  // the row's outputs, written by every warp, are visible to the block
        int groups = dim >> 8;
        for (int grp = threadIdx.x >> 5; grp < groups; grp += BLOCK_THREADS / 32) {
            prepare_group(o + 256 * grp, (long long) blockIdx.x * groups + grp, xh, halfBf16, xq, xstats);
        }
    }
}

extern "C" __global__ void rmsnorm_f32(float* x, const float* a, const void* g, float eps, int dim, float* out,
                                    unsigned short* xh, int halfBf16, unsigned int* xq, float2* xs) {
    AFTER_PREVIOUS_KERNEL();
    rmsnorm_body<DT_F32>(x, a, g, eps, dim, out, xh, halfBf16, xq, xs);
}
extern "C" __global__ void rmsnorm_f16(float* x, const float* a, const void* g, float eps, int dim, float* out,
                                    unsigned short* xh, int halfBf16, unsigned int* xq, float2* xs) {
    AFTER_PREVIOUS_KERNEL();
    rmsnorm_body<DT_F16>(x, a, g, eps, dim, out, xh, halfBf16, xq, xs);
}
extern "C" __global__ void rmsnorm_bf16(float* x, const float* a, const void* g, float eps, int dim, float* out,
                                    unsigned short* xh, int halfBf16, unsigned int* xq, float2* xs) {
    AFTER_PREVIOUS_KERNEL();
    rmsnorm_body<DT_BF16>(x, a, g, eps, dim, out, xh, halfBf16, xq, xs);
}

// table[r] = [cos(pos[r]·invFreq), sin(pos[r]·invFreq)], the angle one float32 product; grid: rows
extern "C" __global__ void rotary_table(const float* invFreq, const int* positions, int half, float* table) {
    AFTER_PREVIOUS_KERNEL();
    float pos = (float) positions[blockIdx.x];
    float* t = table + (long long) blockIdx.x * 2 * half;
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        float angle = __fmul_rn(pos, invFreq[i]);  // no contraction: the same rounding as the host's float product
        t[i] = cosf(angle);
        t[half + i] = sinf(angle);
    }
}

// Rotate-half RoPE in place on every head of q: [rows, qCols] (blockIdx.y 0) and k: [rows, kCols] (1), one launch
// for both; grid: (rows, 2), block: BLOCK_THREADS.
extern "C" __global__ void rope(float* __restrict__ q, int qCols, float* __restrict__ k, int kCols, int headDim,
                                const float* __restrict__ table) {
    AFTER_PREVIOUS_KERNEL();
    int cols = blockIdx.y == 0 ? qCols : kCols;
    int half = headDim >> 1;
    float* xr = (blockIdx.y == 0 ? q : k) + (long long) blockIdx.x * cols;
    const float* t = table + (long long) blockIdx.x * headDim;
    int pairs = cols >> 1;
    for (int p = threadIdx.x; p < pairs; p += BLOCK_THREADS) {
        int head = p / half;
        int i = p - head * half;
        float* h = xr + head * headDim;
        float c = t[i];
        float s = t[half + i];
        float a = h[i];
        float b = h[half + i];
        h[i] = a * c - b * s;
        h[half + i] = b * c + a * s;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise ops over n = rows · cols floats.

__device__ __forceinline__ float swiglu_one(float g, float u) { return g / (1.0f + expf(-g)) * u; }

extern "C" __global__ void swiglu(float* gate, const float* up, long long n) {
    AFTER_PREVIOUS_KERNEL();
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        gate[i] = swiglu_one(gate[i], up[i]);
    }
}

// swiglu, and the result prepared for the down projection as prepare_groups does it: one warp per (row, 256-column
// group); each lane reads back only the 8 values it wrote. gate, up: [n / 256 groups of 256] f32
extern "C" __global__ void swiglu_prepare(float* gate, const float* up, long long n, unsigned short* xh, int halfBf16,
                                          unsigned int* xq, float2* xstats) {
    AFTER_PREVIOUS_KERNEL();
    long long wg = (blockIdx.x * (long long) blockDim.x + threadIdx.x) >> 5;
    if (wg >= n >> 8) {
        return;
    }
    float* g = gate + wg * 256 + 8 * (threadIdx.x & 31);
    const float* u = up + wg * 256 + 8 * (threadIdx.x & 31);
#pragma unroll
    for (int i = 0; i < 8; i += 4) {
        float4 a = *reinterpret_cast<const float4*>(g + i);
        float4 b = *reinterpret_cast<const float4*>(u + i);
        *reinterpret_cast<float4*>(g + i) = make_float4(swiglu_one(a.x, b.x), swiglu_one(a.y, b.y), swiglu_one(a.z, b.z),
                                                        swiglu_one(a.w, b.w));
    }
    prepare_group(gate + wg * 256, wg, xh, halfBf16, xq, xstats);
}

extern "C" __global__ void silu(float* x, long long n) {
    AFTER_PREVIOUS_KERNEL();
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        float v = x[i];
        x[i] = v / (1.0f + expf(-v));
    }
}

extern "C" __global__ void add(float* acc, const float* x, long long n) {
    AFTER_PREVIOUS_KERNEL();
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        acc[i] += x[i];
    }
}

template <int DT>
__device__ __forceinline__ void add_bias_body(float* x, const void* bias, int cols, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        x[i] += load_one<DT>(bias, i % cols);
    }
}

extern "C" __global__ void add_bias_f32(float* x, const void* b, int cols, long long n) {
    AFTER_PREVIOUS_KERNEL(); add_bias_body<DT_F32>(x, b, cols, n); }
extern "C" __global__ void add_bias_f16(float* x, const void* b, int cols, long long n) {
    AFTER_PREVIOUS_KERNEL(); add_bias_body<DT_F16>(x, b, cols, n); }
extern "C" __global__ void add_bias_bf16(float* x, const void* b, int cols, long long n) {
    AFTER_PREVIOUS_KERNEL(); add_bias_body<DT_BF16>(x, b, cols, n); }

// dst[i] = src[idx[i]]; grid: count
extern "C" __global__ void gather_rows(const float* src, const int* idx, int cols, float* dst) {
    AFTER_PREVIOUS_KERNEL();
    const float* s = src + (long long) idx[blockIdx.x] * cols;
    float* d = dst + (long long) blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        d[c] = s[c];
    }
}

// dst[idx[i]] = src[i]; grid: count
extern "C" __global__ void scatter_rows(const float* src, const int* idx, int cols, float* dst) {
    AFTER_PREVIOUS_KERNEL();
    const float* s = src + (long long) blockIdx.x * cols;
    float* d = dst + (long long) idx[blockIdx.x] * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        d[c] = s[c];
    }
}

// ---------------------------------------------------------------------------------------------------------
// Paged KV cache. Per layer, keys and values are [slots, kvDim] in the cache's dtype: f32, or f16 (half the bytes
// attention reads; the values rounded to fp16 as they are stored). KvT: float or __half.

// Four consecutive elements of a KV row as loaded (raw, held while in flight) and widened to float32.
template <typename KvT>
struct KvRaw;

template <>
struct KvRaw<float> {
    using type = float4;
    __device__ static float4 load(const float* p) { return *reinterpret_cast<const float4*>(p); }
    __device__ static float4 zero() { return make_float4(0.f, 0.f, 0.f, 0.f); }
    __device__ static float4 widen(float4 v) { return v; }
};

template <>
struct KvRaw<__half> {
    using type = uint2;  // four halves
    __device__ static uint2 load(const __half* p) { return *reinterpret_cast<const uint2*>(p); }
    __device__ static uint2 zero() { return make_uint2(0u, 0u); }
    __device__ static float4 widen(uint2 u) {
        float2 a = __half22float2(*reinterpret_cast<const __half2*>(&u.x));
        float2 b = __half22float2(*reinterpret_cast<const __half2*>(&u.y));
        return make_float4(a.x, a.y, b.x, b.y);
    }
};

__device__ __forceinline__ void store_kv4(float* p, float4 v) { *reinterpret_cast<float4*>(p) = v; }

__device__ __forceinline__ void store_kv4(__half* p, float4 v) {
    __half2 a = __floats2half2_rn(v.x, v.y);
    __half2 b = __floats2half2_rn(v.z, v.w);
    *reinterpret_cast<uint2*>(p) = make_uint2(*reinterpret_cast<unsigned int*>(&a), *reinterpret_cast<unsigned int*>(&b));
}

__device__ __forceinline__ void store_kv(float* p, float v) { *p = v; }
__device__ __forceinline__ void store_kv(__half* p, float v) { *p = __float2half_rn(v); }

// keys[slots[r]] = k[r], values[slots[r]] = v[r]; grid: rows, block: BLOCK_THREADS (a row of 4096 in four
// elements per thread when kvDim % 4 == 0).
template <typename KvT>
__device__ __forceinline__ void write_kv_body(const float* __restrict__ k, const float* __restrict__ v,
                                              const int* __restrict__ slots, int kvDim, KvT* __restrict__ keys,
                                              KvT* __restrict__ values) {
    long long dst = (long long) slots[blockIdx.x] * kvDim;
    long long src = (long long) blockIdx.x * kvDim;
    if ((kvDim & 3) == 0) {
        for (int d = 4 * threadIdx.x; d < kvDim; d += 4 * BLOCK_THREADS) {
            store_kv4(keys + dst + d, *reinterpret_cast<const float4*>(k + src + d));
            store_kv4(values + dst + d, *reinterpret_cast<const float4*>(v + src + d));
        }
    } else {
        for (int d = threadIdx.x; d < kvDim; d += BLOCK_THREADS) {
            store_kv(keys + dst + d, k[src + d]);
            store_kv(values + dst + d, v[src + d]);
        }
    }
}

extern "C" __global__ void write_kv_f32(const float* __restrict__ k, const float* __restrict__ v, const int* __restrict__ slots,
                                        int kvDim, float* __restrict__ keys, float* __restrict__ values) {
    AFTER_PREVIOUS_KERNEL();
    write_kv_body(k, v, slots, kvDim, keys, values);
}

extern "C" __global__ void write_kv_f16(const float* __restrict__ k, const float* __restrict__ v, const int* __restrict__ slots,
                                        int kvDim, __half* __restrict__ keys, __half* __restrict__ values) {
    AFTER_PREVIOUS_KERNEL();
    write_kv_body(k, v, slots, kvDim, keys, values);
}

// For every layer, K and V of slot from[i] to slot to[i], in order (later copies may read earlier ones' targets).
// keys, values: [layers, slots, rowUnits] in units of U (4 bytes when a row's bytes allow, else 2: a row of either
// dtype is a whole number of them); grid: (layers, 2), one block per layer and side so the order holds.
template <typename U>
__device__ __forceinline__ void copy_kv_body(U* keys, U* values, long long layerStride, int rowUnits, const int* from,
                                             const int* to, int count) {
    U* base = (blockIdx.y == 0 ? keys : values) + blockIdx.x * layerStride;
    for (int n = 0; n < count; n++) {
        const U* s = base + (long long) from[n] * rowUnits;
        U* d = base + (long long) to[n] * rowUnits;
        for (int c = threadIdx.x; c < rowUnits; c += blockDim.x) {
            d[c] = s[c];
        }
        __syncthreads();
    }
}

extern "C" __global__ void copy_kv_u32(unsigned int* keys, unsigned int* values, long long layerStride, int rowUnits,
                                       const int* from, const int* to, int count) {
    AFTER_PREVIOUS_KERNEL();
    copy_kv_body(keys, values, layerStride, rowUnits, from, to, count);
}

extern "C" __global__ void copy_kv_u16(unsigned short* keys, unsigned short* values, long long layerStride, int rowUnits,
                                       const int* from, const int* to, int count) {
    AFTER_PREVIOUS_KERNEL();
    copy_kv_body(keys, values, layerStride, rowUnits, from, to, count);
}

#define ATTN_WARPS 4
#define ATTN_KEYS 4
#define ATTN_MAX_HEAD_DIM 256

// Whether chunk row i of a tree sees chunk row j (j < 0: a cached position, seen by all): j is i or an ancestor.
__device__ __forceinline__ bool tree_sees(const int* parents, int i, int j) {
    if (j < 0 || j == i) {
        return true;
    }
    for (int p = parents[i]; p >= j; p = parents[p]) {
        if (p == j) {
            return true;
        }
    }
    return false;
}

// Causal grouped-query attention over the paged cache, one block per (head, row, key split), its warps taking
// every ATTN_WARPS-th key of the split's splitKeys keys with an online softmax (running max m, sum l, weighted
// values acc), merged at the end. meta (ints): [rows, 4] rows' (start position, chunk row, block-table offset,
// parents offset or -1), then the block tables and parents those offsets point at. Row i of a chunk sees
// positions < start + i + 1 except, in a tree, chunk rows that are neither i nor its ancestors. Lane L holds
// dims 4L .. 4L + 3 (and + 128) of q and acc, read as float4 (headDim % 4 == 0; at 8 rows of a 7B layer 62 → 57 µs
// against lane-strided scalar loads). With one split (partial null) the block writes out; with several
// (flash-decoding, for long contexts) it writes its (acc, m, l) to partial [rows, heads, splits, headDim + 2]
// and attention_combine merges them. keys, values: the layer's cache in its dtype (KvT). outHalf: when not null,
// out also in a 16-bit dtype (bf16 when halfBf16, else fp16) for the o projection (prepare_group's xh), so that a
// step without tenants needs no prepare_groups before it.
template <typename KvT, int PER, int KEYS>
__device__ __forceinline__ void attention_body(const float* q, const KvT* keys, const KvT* values, const int* meta, int heads,
                                               int kvHeads, int headDim, int blockSize, float scale, int splitKeys,
                                               float* partial, float* out, unsigned short* outHalf, int halfBf16) {
    __shared__ float warpMax[ATTN_WARPS];
    __shared__ float warpSum[ATTN_WARPS];
    __shared__ __align__(16) float warpAcc[ATTN_WARPS][ATTN_MAX_HEAD_DIM];
    static_assert(ATTN_MAX_HEAD_DIM == 128 * 2, "a lane's PER ≤ 2 float4s cover 128 dims each");
    int h = blockIdx.x;
    int r = blockIdx.y;
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    const int* info = meta + 4 * r;
    int start = info[0];
    int i = info[1];
    const int* table = meta + info[2];
    const int* parents = info[3] >= 0 ? meta + info[3] : nullptr;
    int visible = start + i + 1;
    int kvDim = kvHeads * headDim;
    int kvOff = (h / (heads / kvHeads)) * headDim;
    const float* qh = q + (long long) r * heads * headDim + h * headDim;
    const float4 zero = make_float4(0.f, 0.f, 0.f, 0.f);

    float4 qv[PER];
    float4 acc[PER];
#pragma unroll
    for (int k = 0; k < PER; k++) {
        int d = 4 * (lane + 32 * k);
        qv[k] = d < headDim ? *reinterpret_cast<const float4*>(qh + d) : zero;
        acc[k] = zero;
    }
    float m = -INFINITY;
    float l = 0.f;
    int end = min(visible, (blockIdx.z + 1) * splitKeys);
    // KEYS keys at a time per warp (t, t + ATTN_WARPS, ...): their loads are in flight together, where one
    // key at a time left a 1-row step's attention waiting on memory latency. The next run's page-table lookups go
    // out while this run's keys and values load.
    bool seen[KEYS];
    long long slot[KEYS];
    auto locate = [&](int t0) {
#pragma unroll
        for (int u = 0; u < KEYS; u++) {
            int t = t0 + u * ATTN_WARPS;
            seen[u] = t < end && (parents == nullptr || tree_sees(parents, i, t - start));
            slot[u] = seen[u] ? (long long) table[t / blockSize] * blockSize + t % blockSize : 0;
        }
    };
    locate(blockIdx.z * splitKeys + warp);
    for (int t0 = blockIdx.z * splitKeys + warp; t0 < end; t0 += ATTN_WARPS * KEYS) {
        typename KvRaw<KvT>::type kv[KEYS][PER];  // as loaded, widened to float as they are used
        typename KvRaw<KvT>::type vv[KEYS][PER];
        float s[KEYS];
#pragma unroll
        for (int u = 0; u < KEYS; u++) {
            s[u] = seen[u] ? 0.f : -INFINITY;
            const KvT* kr = keys + slot[u] * kvDim + kvOff;
            const KvT* vr = values + slot[u] * kvDim + kvOff;
#pragma unroll
            for (int k = 0; k < PER; k++) {
                int d = 4 * (lane + 32 * k);
                bool load = seen[u] && d < headDim;
                kv[u][k] = load ? KvRaw<KvT>::load(kr + d) : KvRaw<KvT>::zero();
                vv[u][k] = load ? KvRaw<KvT>::load(vr + d) : KvRaw<KvT>::zero();
            }
        }
        locate(t0 + ATTN_WARPS * KEYS);
        float mNew = m;
#pragma unroll
        for (int u = 0; u < KEYS; u++) {
            float dot = 0.f;
#pragma unroll
            for (int k = 0; k < PER; k++) {
                float4 kf = KvRaw<KvT>::widen(kv[u][k]);
                dot = fmaf(qv[k].x, kf.x, fmaf(qv[k].y, kf.y, fmaf(qv[k].z, kf.z, fmaf(qv[k].w, kf.w, dot))));
            }
            s[u] = s[u] == -INFINITY ? -INFINITY : warp_sum(dot) * scale;
            mNew = fmaxf(mNew, s[u]);
        }
        if (mNew == -INFINITY) {
            continue;  // no key of this run is seen, and none before it
        }
        float correction = expf(m - mNew);
        l *= correction;
#pragma unroll
        for (int k = 0; k < PER; k++) {
            acc[k] = make_float4(acc[k].x * correction, acc[k].y * correction, acc[k].z * correction, acc[k].w * correction);
        }
#pragma unroll
        for (int u = 0; u < KEYS; u++) {
            float p = s[u] == -INFINITY ? 0.f : expf(s[u] - mNew);
            l += p;
#pragma unroll
            for (int k = 0; k < PER; k++) {
                float4 vf = KvRaw<KvT>::widen(vv[u][k]);
                acc[k] = make_float4(fmaf(p, vf.x, acc[k].x), fmaf(p, vf.y, acc[k].y), fmaf(p, vf.z, acc[k].z), fmaf(p, vf.w, acc[k].w));
            }
        }
        m = mNew;
    }
    if (lane == 0) {
        warpMax[warp] = m;
        warpSum[warp] = l;
    }
#pragma unroll
    for (int k = 0; k < PER; k++) {
        int d = 4 * (lane + 32 * k);
        if (d < headDim) {
            *reinterpret_cast<float4*>(&warpAcc[warp][d]) = acc[k];
        }
    }
    __syncthreads();
    float mAll = -INFINITY;
    for (int w = 0; w < ATTN_WARPS; w++) {
        mAll = fmaxf(mAll, warpMax[w]);
    }
    float weight[ATTN_WARPS];  // a warp that saw no key (m = -inf) weighs 0, also when no warp saw one
    float total = 0.f;
    for (int w = 0; w < ATTN_WARPS; w++) {
        weight[w] = warpMax[w] == -INFINITY ? 0.f : expf(warpMax[w] - mAll);
        total += warpSum[w] * weight[w];
    }
    int splits = gridDim.z;
    float* o = partial == nullptr
            ? out + (long long) r * heads * headDim + h * headDim
            : partial + (((long long) r * heads + h) * splits + blockIdx.z) * (headDim + 2);
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float v = 0.f;
        for (int w = 0; w < ATTN_WARPS; w++) {
            v += warpAcc[w][d] * weight[w];
        }
        o[d] = partial == nullptr ? v / total : v;
        if (partial == nullptr && outHalf != nullptr) {
            store_half(outHalf + (long long) r * heads * headDim + h * headDim + d, v / total, halfBf16);
        }
    }
    if (partial != nullptr && threadIdx.x == 0) {
        o[headDim] = mAll;
        o[headDim + 1] = total;
    }
}

// Kernels attention_<f32|f16>_d<128|256>: the cache's dtype, and head sizes up to 128 (one float4 of q, acc and
// each key per lane: half the registers, so more blocks per multiprocessor) or 256. An fp16 cache takes 8 keys
// per warp at a time: the same bytes in flight as 4 of float32.
#define ATTENTION_KERNEL(NAME, KvT, PER, KEYS)                                                                        \
    extern "C" __global__ void NAME(const float* q, const KvT* keys, const KvT* values, const int* meta, int heads,   \
                                    int kvHeads, int headDim, int blockSize, float scale, int splitKeys,              \
                                    float* partial, float* out, unsigned short* outHalf, int halfBf16) {             \
        AFTER_PREVIOUS_KERNEL();                                                                                       \
        attention_body<KvT, PER, KEYS>(q, keys, values, meta, heads, kvHeads, headDim, blockSize, scale, splitKeys,   \
                                       partial, out, outHalf, halfBf16);                                              \
    }
ATTENTION_KERNEL(attention_f32_d128, float, 1, ATTN_KEYS)
ATTENTION_KERNEL(attention_f32_d256, float, 2, ATTN_KEYS)
ATTENTION_KERNEL(attention_f16_d128, __half, 1, 2 * ATTN_KEYS)
ATTENTION_KERNEL(attention_f16_d256, __half, 2, 2 * ATTN_KEYS)

#define COMBINE_THREADS BLOCK_THREADS

// Merges the key splits of attention: out = Σ_s acc_s · e^(m_s − M) / Σ_s l_s · e^(m_s − M); grid: (heads, rows),
// block: COMBINE_THREADS. The splits' weights e^(m_s − M) go through shared memory COMBINE_THREADS at a time, so
// a thread's sum over splits is independent loads rather than a chain. outHalf, halfBf16: attention_body's.
extern "C" __global__ void attention_combine(const float* __restrict__ partial, int splits, int heads, int headDim,
                                             float* __restrict__ out, unsigned short* __restrict__ outHalf, int halfBf16) {
    AFTER_PREVIOUS_KERNEL();
    __shared__ float scratch[32];
    __shared__ float weight[COMBINE_THREADS];
    int stride = headDim + 2;
    const float* p = partial + ((long long) blockIdx.y * heads + blockIdx.x) * splits * stride;
    float mx = -INFINITY;
    for (int s = threadIdx.x; s < splits; s += COMBINE_THREADS) {
        mx = fmaxf(mx, p[s * stride + headDim]);
    }
    float mAll = block_reduce(mx, ReduceMax(), scratch);
    float v[ATTN_MAX_HEAD_DIM / COMBINE_THREADS + 1] = {};
    float total = 0.f;
    for (int from = 0; from < splits; from += COMBINE_THREADS) {
        int s = from + threadIdx.x;
        float m = s < splits ? p[s * stride + headDim] : -INFINITY;  // -inf: a split that saw no key weighs 0
        float w = m == -INFINITY ? 0.f : expf(m - mAll);
        __syncthreads();  // the previous run's readers are done with weight
        weight[threadIdx.x] = w;
        total += w == 0.f ? 0.f : w * p[s * stride + headDim + 1];
        __syncthreads();
        int run = min(COMBINE_THREADS, splits - from);
        for (int d = threadIdx.x, k = 0; d < headDim; d += COMBINE_THREADS, k++) {
#pragma unroll 8
            for (int u = 0; u < run; u++) {
                v[k] = fmaf(p[(from + u) * stride + d], weight[u], v[k]);
            }
        }
    }
    total = block_reduce(total, ReduceSum(), scratch);
    long long at = (long long) blockIdx.y * heads * headDim + blockIdx.x * headDim;
    for (int d = threadIdx.x, k = 0; d < headDim; d += COMBINE_THREADS, k++) {
        out[at + d] = v[k] / total;
        if (outHalf != nullptr) {
            store_half(outHalf + at + d, v[k] / total, halfBf16);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Random fills for synthetic benchmark models (GpuBenchmark): a 7B model's weights are made on the device, never
// on the host. Each element is a hash of (seed, index) (splitmix64's finalizer), so a fill is reproducible.

__device__ __forceinline__ unsigned long long mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// n fp16 values uniform in [-scale, scale).
extern "C" __global__ void fill_random_f16(unsigned short* dst, long long n, unsigned long long seed, float scale) {
    AFTER_PREVIOUS_KERNEL();
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        float u = (mix64(seed + 0x9e3779b97f4a7c15ull * (unsigned long long) (i + 1)) >> 40) * (1.0f / 16777216.0f);
        dst[i] = __half_as_ushort(__float2half((2.0f * u - 1.0f) * scale));
    }
}

// n random 32-bit words (sign planes: every bit a coin flip).
extern "C" __global__ void fill_random_u32(unsigned int* dst, long long n, unsigned long long seed) {
    AFTER_PREVIOUS_KERNEL();
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        dst[i] = static_cast<unsigned int>(mix64(seed + 0x9e3779b97f4a7c15ull * (unsigned long long) (i + 1)));
    }
}

// ---------------------------------------------------------------------------------------------------------
// Sampling (Backend.sample): one block of SAMPLE_THREADS per row picks the row's token as the host's
// TokenDistribution does, so only token ids are copied back. Greedy: the first index of the largest logit.
// Otherwise weights w = (float) exp((double) ((logit - max) * (1 / T))), all in [0, 1], the argmax's exactly 1;
// with neither top-k nor top-p the draw walks the weights in index order; else tokens are ranked by weight
// (ties: lower index first) and every cut of that ranking (top-k, top-p's nucleus, the draw itself) is found
// by a binary search over the weight's float bits (positive floats order as their bits) for the smallest
// weight whose ranked prefix reaches the target, then the tie group at that weight in index order. Sums are in
// double, like the host's, but in another order: a draw within ~1e-12 of a cut may land on the neighbour.
// params: [rows, 4] as long long: topK (-1: greedy), temperature's float bits, topP's float bits, the draw's
// double bits. weights: [rows, vocab] scratch. tokens[r]: the token, or -1 when the row holds NaN or +inf or
// its largest logit is not finite (the host refuses those rows).

#define SAMPLE_THREADS BLOCK_THREADS
#define SAMPLE_WARPS (SAMPLE_THREADS / 32)
#define SAMPLE_ONE_BITS 0x3f800000  // 1.0f, the largest weight

// The sum of v over the threads before this one (in thread order).
template <typename T>
__device__ T sample_exclusive_scan(T v, T* scratch) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    T x = v;  // inclusive within the warp
    for (int o = 1; o < 32; o <<= 1) {
        T y = __shfl_up_sync(0xffffffffu, x, o);
        if (lane >= o) {
            x += y;
        }
    }
    T before = __shfl_up_sync(0xffffffffu, x, 1);
    if (lane == 0) {
        before = 0;
    }
    __syncthreads();
    if (lane == 31) {
        scratch[warp] = x;
    }
    __syncthreads();
    T t = scratch[lane];  // inclusive scan of the warps' totals
    for (int o = 1; o < 32; o <<= 1) {
        T y = __shfl_up_sync(0xffffffffu, t, o);
        if (lane >= o) {
            t += y;
        }
    }
    T warpBase = __shfl_sync(0xffffffffu, t, (warp + 31) & 31);
    return (warp == 0 ? (T) 0 : warpBase) + before;
}

struct SampleScratch {
    double d[SAMPLE_WARPS];
    int i[SAMPLE_WARPS];
    float f[SAMPLE_WARPS];
};

// This thread's contiguous slice [begin, end) of the row, for walks in index order.
__device__ __forceinline__ void sample_slice(int vocab, int& begin, int& end) {
    int per = (vocab + SAMPLE_THREADS - 1) / SAMPLE_THREADS;
    begin = min(vocab, (int) threadIdx.x * per);
    end = min(vocab, begin + per);
}

// Mass and count of the weights >= t.
__device__ void sample_at_least(const float* w, int vocab, float t, SampleScratch& s, double& mass, int& count) {
    double m = 0;
    int c = 0;
    for (int i = threadIdx.x; i < vocab; i += SAMPLE_THREADS) {
        float x = w[i];
        if (x >= t) {
            m += x;
            c++;
        }
    }
    mass = block_reduce(m, ReduceSum(), s.d);
    count = block_reduce(c, ReduceSum(), s.i);
}

// Mass of the weights > t, and how many equal t.
__device__ void sample_tie_group(const float* w, int vocab, float t, SampleScratch& s, double& above, int& ties) {
    double m = 0;
    int c = 0;
    for (int i = threadIdx.x; i < vocab; i += SAMPLE_THREADS) {
        float x = w[i];
        if (x > t) {
            m += x;
        } else if (x == t) {
            c++;
        }
    }
    above = block_reduce(m, ReduceSum(), s.d);
    ties = block_reduce(c, ReduceSum(), s.i);
}

#define SAMPLE_BY_COUNT 0     // count of weights >= t reaches target
#define SAMPLE_BY_MASS 1      // their mass reaches target (>=: top-p's cut)
#define SAMPLE_PAST_MASS 2    // their mass exceeds target (>: the draw, u < cumulative)

// The largest weight bits b in [lo, SAMPLE_ONE_BITS] whose prefix of weights >= b meets the mode's test; lo - 1
// when none does. The test holds for every b below one where it holds, so bisection finds the boundary.
__device__ int sample_search(const float* w, int vocab, int lo, int mode, double target, SampleScratch& s) {
    int yes = lo - 1;
    int no = SAMPLE_ONE_BITS + 1;
    while (no - yes > 1) {
        int mid = yes + ((no - yes) >> 1);
        double mass;
        int count;
        sample_at_least(w, vocab, __int_as_float(mid), s, mass, count);
        bool holds = mode == SAMPLE_BY_COUNT ? count >= (int) target : mode == SAMPLE_BY_MASS ? mass >= target : mass > target;
        if (holds) {
            yes = mid;
        } else {
            no = mid;
        }
    }
    return yes;
}

// The smallest j in [1, most] with above + j * t >= target (> when past); most when none (the host's walk
// taking the tie group one by one).
__device__ int sample_ties_needed(double above, float t, int most, double target, bool past) {
    double need = (target - above) / (double) t;
    int j = need <= 1 ? 1 : need >= most ? most : (int) ceil(need);
    while (j > 1 && (past ? above + (j - 1) * (double) t > target : above + (j - 1) * (double) t >= target)) {
        j--;
    }
    while (j < most && !(past ? above + j * (double) t > target : above + j * (double) t >= target)) {
        j++;
    }
    return j;
}

// The index of the j-th (from 1) weight equal to t, in index order.
__device__ int sample_nth_equal(const float* w, int vocab, float t, int j, SampleScratch& s) {
    int begin, end;
    sample_slice(vocab, begin, end);
    int mine = 0;
    for (int i = begin; i < end; i++) {
        mine += w[i] == t;
    }
    int before = sample_exclusive_scan(mine, s.i);
    int found = vocab;
    if (before < j && j <= before + mine) {
        int seen = before;
        for (int i = begin; i < end; i++) {
            if (w[i] == t && ++seen == j) {
                found = i;
                break;
            }
        }
    }
    return block_reduce(found, ReduceMin(), s.i);
}

// The first index whose value is exactly v.
__device__ int sample_first_equal(const float* x, int vocab, float v, SampleScratch& s) {
    int found = vocab;
    for (int i = threadIdx.x; i < vocab; i += SAMPLE_THREADS) {
        if (x[i] == v) {
            found = i;
            break;
        }
    }
    return block_reduce(found, ReduceMin(), s.i);
}

// grid: rows, block: SAMPLE_THREADS
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
sample_rows(const float* logits, int vocab, const long long* params, float* weights, int* tokens) {
    AFTER_PREVIOUS_KERNEL();
    __shared__ SampleScratch s;
    const float* l = logits + (long long) blockIdx.x * vocab;
    float* w = weights + (long long) blockIdx.x * vocab;
    const long long* p = params + 4LL * blockIdx.x;
    int topK = (int) p[0];
    float temperature = __int_as_float((int) p[1]);
    float topP = __int_as_float((int) p[2]);
    double uniform = __longlong_as_double(p[3]);

    float mx = -INFINITY;
    int bad = 0;
    for (int i = threadIdx.x; i < vocab; i += SAMPLE_THREADS) {
        float v = l[i];
        bad |= isnan(v) || v == INFINITY;
        mx = fmaxf(mx, v);
    }
    bad = __syncthreads_or(bad);
    mx = block_reduce(mx, ReduceMax(), s.f);
    if (bad || !isfinite(mx)) {  // uniform over the block: every thread returns
        if (threadIdx.x == 0) {
            tokens[blockIdx.x] = -1;
        }
        return;
    }
    int token;
    if (topK < 0) {
        token = sample_first_equal(l, vocab, mx, s);
    } else {
        float invT = __fdiv_rn(1.0f, temperature);
        double total = 0;
        for (int i = threadIdx.x; i < vocab; i += SAMPLE_THREADS) {
            float x = (float) exp((double) __fmul_rn(__fsub_rn(l[i], mx), invT));
            w[i] = x;
            total += x;
        }
        total = block_reduce(total, ReduceSum(), s.d);  // its barrier also publishes w to the block
        if (topK == 0 && topP == 1.0f) {
            // Index order: the first token whose cumulative weight passes the draw; the host's walk.
            double x = uniform * total;
            int begin, end;
            sample_slice(vocab, begin, end);
            double mine = 0;
            for (int i = begin; i < end; i++) {
                mine += w[i];
            }
            double cumulative = sample_exclusive_scan(mine, s.d);
            int found = vocab;
            for (int i = begin; i < end; i++) {
                cumulative += w[i];
                if (w[i] > 0 && x < cumulative) {
                    found = i;
                    break;
                }
            }
            token = block_reduce(found, ReduceMin(), s.i);
            if (token == vocab) {
                token = sample_first_equal(w, vocab, 1.0f, s);  // the host's fallback: the weights' argmax
            }
        } else {
            // The candidates, a prefix of the ranking: its last weight t0 and how many of t0's ties it takes.
            float t0;
            int take0;
            double above0;
            int ties0;
            if (topK > 0) {
                int positive;
                double unused;
                sample_at_least(w, vocab, __int_as_float(1), s, unused, positive);
                int k = min(topK, positive);
                t0 = __int_as_float(sample_search(w, vocab, 1, SAMPLE_BY_COUNT, k, s));
                sample_tie_group(w, vocab, t0, s, above0, ties0);
                double upper;
                int countAbove;
                sample_at_least(w, vocab, __int_as_float(__float_as_int(t0) + 1), s, upper, countAbove);
                take0 = k - countAbove;
            } else {
                // llama2.c's cut as the host makes it: (float) (1 - p) / (vocab - 1), times the total, capped at 1.
                double cutoff = vocab > 1 ? fmin((double) __fdiv_rn(__fsub_rn(1.0f, topP), (float) (vocab - 1)) * total, 1.0) : 0;
                float least = 2.0f;
                for (int i = threadIdx.x; i < vocab; i += SAMPLE_THREADS) {
                    float x = w[i];
                    if (x > 0 && x >= cutoff) {
                        least = fminf(least, x);
                    }
                }
                t0 = block_reduce(least, ReduceMin(), s.f);
                sample_tie_group(w, vocab, t0, s, above0, ties0);
                take0 = ties0;
            }
            double inPlay = topK > 0 ? above0 + take0 * (double) t0 : total;
            // Top-p: the shortest prefix of the candidates whose mass reaches p of the mass in play.
            float t1 = t0;
            int take1 = take0;
            double above1 = above0;
            if (topP < 1.0f) {
                double target = (double) topP * inPlay;
                int bits = sample_search(w, vocab, __float_as_int(t0) + 1, SAMPLE_BY_MASS, target, s);
                if (bits > __float_as_int(t0)) {
                    t1 = __int_as_float(bits);
                    int ties1;
                    sample_tie_group(w, vocab, t1, s, above1, ties1);
                    take1 = sample_ties_needed(above1, t1, ties1, target, false);
                } else {
                    take1 = sample_ties_needed(above0, t0, take0, target, false);
                }
            }
            // The draw: the first ranked token whose cumulative weight passes uniform × the kept mass.
            double x = uniform * (above1 + take1 * (double) t1);
            int bits = sample_search(w, vocab, __float_as_int(t1) + 1, SAMPLE_PAST_MASS, x, s);
            float at = t1;
            int nth;
            if (bits > __float_as_int(t1)) {
                at = __int_as_float(bits);
                double above;
                int ties;
                sample_tie_group(w, vocab, at, s, above, ties);
                nth = sample_ties_needed(above, at, ties, x, true);
            } else {
                nth = sample_ties_needed(above1, t1, take1, x, true);  // none passes: the last kept, as the host
            }
            token = sample_nth_equal(w, vocab, at, nth, s);
        }
    }
    if (threadIdx.x == 0) {
        tokens[blockIdx.x] = token;
    }
}
