/**
 * {@code wnd demo}: the whole pipeline in one process - a local broker, the topics, the scorer, the streaming
 * trainer and a replay of generated or file traffic - watched live ({@link io.wnd.cli.demo.Monitor} reads what
 * the apps write, as a user would) and written up as a self-contained HTML report.
 */
package io.wnd.cli.demo;
