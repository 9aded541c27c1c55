/**
 * The JUnit 5 fixture every module's integration tests share: one real broker per test JVM.
 */
package io.wnd.broker.junit;
