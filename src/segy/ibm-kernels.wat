;; IBM float <-> IEEE binary32 conversion of many words at a time, four per SIMD instruction.
;; The binary that seisproc loads is generated from this file by scripts/build-wasm.mjs into
;; ibm-kernels-binary.ts (a test checks that the two agree); ibm-bulk.ts drives the kernels.
;;
;; Both kernels convert `n` words (a multiple of 4) from byte offset `src` to byte offset `dst` of
;; the module's memory. `swap` is non-zero when the IBM words are big-endian (WebAssembly memory is
;; little-endian). Each returns non-zero when any word lies outside the range it converts exactly;
;; the caller then converts that whole slice again word by word (ibm.ts), so every result equals
;; the scalar conversion bit for bit.
(module
  (memory (export "memory") 2)

  ;; IBM -> IEEE: value = fraction * 2^(4 * exponent - 280). The 24-bit fraction converts to float
  ;; exactly, and for exponent bytes 39-96 the power of two is a normal float whose product with
  ;; the fraction is a normal float: one exact multiplication (no rounding). A zero fraction gives
  ;; a signed zero whatever its exponent (the exponent is clamped so that the factor stays finite).
  ;; Other exponents with a non-zero fraction (results below 2^-124, which may be subnormal, or
  ;; above 2^104, which may exceed FLT_MAX and must saturate) are flagged.
  (func (export "decodeIbm") (param $src i32) (param $dst i32) (param $n i32) (param $swap i32) (result i32)
    (local $end i32) (local $word v128) (local $fraction v128) (local $exponent v128) (local $flagged v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (loop $next
        (local.set $word (v128.load (local.get $src)))
        (if (local.get $swap)
          (then (local.set $word (i8x16.swizzle (local.get $word)
            (v128.const i8x16 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12)))))
        (local.set $fraction (v128.and (local.get $word) (v128.const i32x4 0x00ffffff 0x00ffffff 0x00ffffff 0x00ffffff)))
        (local.set $exponent (v128.and (i32x4.shr_u (local.get $word) (i32.const 24)) (v128.const i32x4 0x7f 0x7f 0x7f 0x7f)))
        ;; exponent - 39 > 57 unsigned: below 39 (wrapped) or above 96.
        (local.set $flagged (v128.or (local.get $flagged)
          (v128.and
            (i32x4.gt_u (i32x4.sub (local.get $exponent) (v128.const i32x4 39 39 39 39)) (v128.const i32x4 57 57 57 57))
            (i32x4.ne (local.get $fraction) (v128.const i32x4 0 0 0 0)))))
        (v128.store (local.get $dst)
          (v128.or
            (f32x4.mul
              (f32x4.convert_i32x4_s (local.get $fraction))
              ;; float bits of 2^(4e - 280): biased exponent 4e - 280 + 127 = 4e - 153.
              (i32x4.shl
                (i32x4.sub
                  (i32x4.shl
                    (i32x4.min_s (i32x4.max_s (local.get $exponent) (v128.const i32x4 39 39 39 39)) (v128.const i32x4 96 96 96 96))
                    (i32.const 2))
                  (v128.const i32x4 153 153 153 153))
                (i32.const 23)))
            (v128.and (local.get $word) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $src) (local.get $end)))))
    (v128.any_true (local.get $flagged)))

  ;; IEEE -> IBM: for a normal value 0.1m * 2^b (b = IEEE exponent - 126), the IBM exponent is
  ;; e16 = ceil(b / 4) and the fraction is the value times 2^(24 - 4 * e16), which lies in
  ;; [2^20, 2^24) and is exact in float; rounding it to an integer (ties to even) drops the 0-3
  ;; bits that hex normalisation cannot keep, and never carries out of 24 bits because bits are
  ;; dropped only below 2^23. Zeros keep their sign. IEEE exponents below 23 (values below 2^-104,
  ;; whose factor 2^(24 - 4 * e16) would overflow a float), subnormals, infinities and NaN are
  ;; flagged.
  (func (export "encodeIbm") (param $src i32) (param $dst i32) (param $n i32) (param $swap i32) (result i32)
    (local $end i32) (local $bits v128) (local $magnitude v128) (local $exponent v128) (local $exponent16 v128)
    (local $sign v128) (local $word v128) (local $flagged v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (loop $next
        (local.set $bits (v128.load (local.get $src)))
        (local.set $sign (v128.and (local.get $bits) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
        (local.set $magnitude (v128.and (local.get $bits) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        (local.set $exponent (i32x4.shr_u (local.get $magnitude) (i32.const 23)))
        ;; exponent - 23 > 231 unsigned: below 23 (wrapped) or 255.
        (local.set $flagged (v128.or (local.get $flagged)
          (v128.and
            (i32x4.gt_u (i32x4.sub (local.get $exponent) (v128.const i32x4 23 23 23 23)) (v128.const i32x4 231 231 231 231))
            (i32x4.ne (local.get $magnitude) (v128.const i32x4 0 0 0 0)))))
        ;; ceil((exponent - 126) / 4) = (exponent - 123) >> 2, negatives included.
        (local.set $exponent16 (i32x4.shr_s (i32x4.sub (local.get $exponent) (v128.const i32x4 123 123 123 123)) (i32.const 2)))
        (local.set $word
          (v128.bitselect
            (local.get $sign)
            (v128.or
              (v128.or
                (local.get $sign)
                (i32x4.shl (i32x4.add (local.get $exponent16) (v128.const i32x4 64 64 64 64)) (i32.const 24)))
              (i32x4.trunc_sat_f32x4_s
                (f32x4.nearest
                  (f32x4.mul
                    (local.get $magnitude)
                    ;; float bits of 2^(24 - 4 * e16): biased exponent 151 - 4 * e16.
                    (i32x4.shl
                      (i32x4.sub (v128.const i32x4 151 151 151 151) (i32x4.shl (local.get $exponent16) (i32.const 2)))
                      (i32.const 23))))))
            (i32x4.eq (local.get $magnitude) (v128.const i32x4 0 0 0 0))))
        (if (local.get $swap)
          (then (local.set $word (i8x16.swizzle (local.get $word)
            (v128.const i8x16 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12)))))
        (v128.store (local.get $dst) (local.get $word))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $src) (local.get $end)))))
    (v128.any_true (local.get $flagged)))
)
