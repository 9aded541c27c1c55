package io.wnd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientOptionsTest {

  @Test
  void shouldLeaveEveryClientsSocketBuffersToTheKernelUnlessTold(@TempDir Path dir) throws Exception {
    ClientOptions none = new ClientOptions();
    assertThat(none.clientConfig("b:9092")).containsEntry("bootstrap.servers", "b:9092")
        .containsEntry("receive.buffer.bytes", -1).containsEntry("send.buffer.bytes", -1)
        .containsEntry("request.timeout.ms", 15_000);
    ClientOptions told = new ClientOptions();
    told.settings.put("receive.buffer.bytes", "262144");
    assertThat(told.clientConfig("b:9092")).containsEntry("receive.buffer.bytes", "262144")
        .containsEntry("send.buffer.bytes", -1);
    ClientOptions file = new ClientOptions();
    file.file = Files.writeString(dir.resolve("client.properties"), "send.buffer.bytes=131072\n");
    assertThat(file.clientConfig("b:9092")).containsEntry("send.buffer.bytes", "131072")
        .containsEntry("receive.buffer.bytes", -1);
    assertThat(ClientOptions.localClient("127.0.0.1:9092")).containsEntry("bootstrap.servers", "127.0.0.1:9092")
        .containsEntry("receive.buffer.bytes", -1).containsEntry("send.buffer.bytes", -1);
  }
}
