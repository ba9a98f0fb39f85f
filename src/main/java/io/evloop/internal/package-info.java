/**
 * Internal, not API: small utilities every layer shares (saturating duration arithmetic,
 * single-writer counters, the failure inside a future's wrappers). Layer 0: uses nothing else of evloop. Public only so that the
 * other packages can reach it; applications must not use it, and it may change in any release.
 */
package io.evloop.internal;
