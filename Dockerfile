# WnD Stream: one image for every app (wnd score, wnd train, wnd replay, ...).
# Build: docker build -t wnd-stream .        Run: docker run --rm wnd-stream --help
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -Dmaven.test.skip=true package -pl cli -am

FROM eclipse-temurin:17-jre
WORKDIR /opt/wnd
COPY --from=build /src/cli/target/wnd.jar ./wnd.jar
COPY --from=build /src/cli/target/lib ./lib
# One OpenMP thread per trainer by default: measured 2.2x faster than the default on 2 cores (FACTS.md).
ENV OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/wnd/wnd.jar"]
CMD ["--help"]
