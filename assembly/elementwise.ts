// SPDX-License-Identifier: MIT
// (kernels for this family go here)
export const elementwise_family: i32 = 0;
