// SPDX-License-Identifier: MIT
// (kernels for this family go here)
export const gemm_family: i32 = 0;
