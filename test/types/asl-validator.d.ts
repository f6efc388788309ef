// asl-validator 4 ships JavaScript only; this is the part of its API the tests use.
declare module "asl-validator" {
  interface ValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly { readonly message?: string; readonly [key: string]: unknown }[];
  }
  export default function aslValidator(
    definition: unknown,
    options?: { readonly checkPaths?: boolean },
  ): ValidationResult;
}
