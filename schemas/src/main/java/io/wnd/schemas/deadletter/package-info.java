/**
 * Bad input becomes a dead-letter record: the original key and value bytes, the original headers, and
 * headers naming the source topic, partition, offset, the stage that failed, the reason, the exception
 * class and its message. Processing goes on and a counter per reason goes up.
 */
package io.wnd.schemas.deadletter;
