/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) started from the Maven
 * artifacts: what {@code wnd kafka} and {@code wnd demo} run, and what every integration test talks to.
 * It binds to 127.0.0.1 only and keeps its data in a directory that survives restarts.
 */
package io.wnd.broker;
