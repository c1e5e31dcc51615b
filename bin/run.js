#!/usr/bin/env node
// The AWS SDK v3 warns once per process on Node 20 (its next majors need Node 22); users cannot act on it here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
