import type { S3Client } from "@aws-sdk/client-s3";
import type { ArtifactStore } from "./artifact-store.ts";
import type { ArtifactLocation } from "./config.ts";
import { ValidationFailedError } from "./errors.ts";
import { LocalArtifactStore } from "./local-artifact-store.ts";
import { S3ArtifactStore } from "./s3-artifact-store.ts";

/**
 * Picks the store for a location. Apart from the interface (artifact-store.ts), so the two implementations import
 * the interface without the interface's module importing them back.
 */

export interface ArtifactStoreDependencies {
  /** Needed for the S3 location. */
  readonly s3?: S3Client;
}

export function createArtifactStore(
  location: ArtifactLocation,
  deps: ArtifactStoreDependencies = {},
): ArtifactStore {
  if (location.kind === "local") return new LocalArtifactStore(location.directory);
  if (!deps.s3) {
    throw new ValidationFailedError([
      { field: "s3", problem: "an S3 client is required for an S3 artifact store" },
    ]);
  }
  return new S3ArtifactStore(deps.s3, location.bucket, location.prefix);
}
