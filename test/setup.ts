// Shared test environment: dummy credentials so the SDK never walks the default provider chain, a fixed
// region, and quiet Powertools output.
process.env.AWS_REGION ??= "us-east-1";
process.env.AWS_ACCESS_KEY_ID ??= "AKIDEXAMPLETESTONLY";
process.env.AWS_SECRET_ACCESS_KEY ??= "test-secret-not-real";
process.env.POWERTOOLS_DEV ??= "false";
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
process.env.POWERTOOLS_TRACE_ENABLED ??= "false";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
