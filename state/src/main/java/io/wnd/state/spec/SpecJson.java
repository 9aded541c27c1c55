package io.wnd.state.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Reads and writes the JSON form of a {@link FeatureSpec}. The tree is walked by hand rather than bound to
 * classes so every error can name its key path, and unknown keys are refused (a misspelt key would otherwise be
 * silently replaced by a default).
 */
final class SpecJson {

    // Immutable once built and thread-safe: not mutable static state.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private SpecJson() {
    }

    static FeatureSpec parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SpecException("(document)", "not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr()), e);
        }
        Obj top = new Obj(root, "(document)");
        String name = top.string("name");
        ModelType type = top.has("model_type")
                ? ModelType.fromJson("model_type", top.string("model_type")) : ModelType.WIDE_AND_DEEP;
        List<NumericColumn> numeric = top.has("numeric") ? top.list("numeric", SpecJson::numeric) : List.of();
        List<CategoricalColumn> categorical = top.has("categorical")
                ? top.list("categorical", SpecJson::categorical) : List.of();
        List<Cross> crosses = top.has("crosses") ? top.list("crosses", SpecJson::cross) : List.of();
        int embeddingDim = top.integer("embedding_dim");
        List<Integer> hidden = top.list("hidden_layers", (node, key) -> intValue(node, key));
        Activation activation = Activation.fromJson("activation", top.string("activation"));

        Obj optimizer = top.object("optimizer");
        Obj wide = optimizer.object("wide");
        wide.type("ftrl");
        FtrlSettings ftrl = new FtrlSettings(wide.number("alpha"), wide.number("beta"), wide.number("l1"),
                wide.number("l2"));
        wide.done();
        Obj emb = optimizer.object("embedding");
        emb.type("adagrad");
        AdagradSettings adagrad = new AdagradSettings(emb.number("learning_rate"), emb.number("init_std"),
                emb.number("initial_accumulator"));
        emb.done();
        Obj dense = optimizer.object("dense");
        dense.type("adam");
        AdamSettings adam = new AdamSettings(dense.number("learning_rate"), dense.number("beta1"),
                dense.number("beta2"), dense.number("epsilon"));
        dense.done();
        optimizer.done();

        int batch = top.integer("batch_size");
        // optional (specs written before it existed have no warm-up)
        int warmup = top.has("warmup_batch_size") ? top.integer("warmup_batch_size") : batch;
        int admission = top.integer("admission_threshold");
        long expiry = top.longValue("idle_expiry_seconds");
        Obj limits = top.object("limits");
        long maxWide = limits.longValue("max_wide_rows");
        long maxEmb = limits.longValue("max_embedding_rows");
        limits.done();
        long seed = top.longValue("seed");
        top.done();
        return new FeatureSpec(name, type, numeric, categorical, crosses, embeddingDim, hidden, activation, ftrl,
                adagrad, adam, batch, warmup, admission, expiry, maxWide, maxEmb, seed);
    }

    private static NumericColumn numeric(JsonNode node, String key) {
        Obj o = new Obj(node, key);
        String name = o.string("name");
        String field = o.has("field") ? o.string("field") : name;
        Transform t = Transform.fromJson(key + ".transform", o.string("transform"));
        List<Double> boundaries = o.has("boundaries") ? o.list("boundaries", SpecJson::doubleValue) : List.of();
        Double mean = o.has("mean") ? o.number("mean") : null;
        Double std = o.has("std") ? o.number("std") : null;
        Double def = o.has("default") ? o.number("default") : null;
        o.done();
        return new NumericColumn(name, field, t, boundaries, mean, std, def);
    }

    private static CategoricalColumn categorical(JsonNode node, String key) {
        Obj o = new Obj(node, key);
        String name = o.string("name");
        String field = o.has("field") ? o.string("field") : name;
        o.done();
        return new CategoricalColumn(name, field);
    }

    private static Cross cross(JsonNode node, String key) {
        Obj o = new Obj(node, key);
        List<String> columns = o.list("columns", (n, k) -> {
            if (!n.isTextual()) {
                throw new SpecException(k, "must be a column name (a string), got " + n);
            }
            return n.textValue();
        });
        String name = o.has("name") ? o.string("name") : Cross.defaultName(columns);
        o.done();
        return new Cross(name, columns);
    }

    private static Integer intValue(JsonNode n, String key) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new SpecException(key, "must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static Double doubleValue(JsonNode n, String key) {
        if (!n.isNumber()) {
            throw new SpecException(key, "must be a number, got " + n);
        }
        return n.doubleValue();
    }

    static String write(FeatureSpec s) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("name", s.name());
        root.put("model_type", s.modelType().jsonName());
        ArrayNode numeric = root.putArray("numeric");
        for (NumericColumn n : s.numeric()) {
            ObjectNode o = numeric.addObject();
            o.put("name", n.name());
            o.put("field", n.field());
            o.put("transform", n.transform().jsonName());
            if (!n.boundaries().isEmpty()) {
                ArrayNode b = o.putArray("boundaries");
                n.boundaries().forEach(b::add);
            }
            if (n.mean() != null) {
                o.put("mean", n.mean());
            }
            if (n.std() != null) {
                o.put("std", n.std());
            }
            if (n.defaultValue() != null) {
                o.put("default", n.defaultValue());
            }
        }
        ArrayNode categorical = root.putArray("categorical");
        for (CategoricalColumn c : s.categorical()) {
            categorical.addObject().put("name", c.name()).put("field", c.field());
        }
        ArrayNode crosses = root.putArray("crosses");
        for (Cross x : s.crosses()) {
            ObjectNode o = crosses.addObject();
            o.put("name", x.name());
            ArrayNode cols = o.putArray("columns");
            x.columns().forEach(cols::add);
        }
        root.put("embedding_dim", s.embeddingDim());
        ArrayNode hidden = root.putArray("hidden_layers");
        s.hiddenLayers().forEach(hidden::add);
        root.put("activation", s.activation().jsonName());
        ObjectNode opt = root.putObject("optimizer");
        opt.putObject("wide").put("type", "ftrl").put("alpha", s.ftrl().alpha()).put("beta", s.ftrl().beta())
                .put("l1", s.ftrl().l1()).put("l2", s.ftrl().l2());
        opt.putObject("embedding").put("type", "adagrad").put("learning_rate", s.adagrad().learningRate())
                .put("init_std", s.adagrad().initStd())
                .put("initial_accumulator", s.adagrad().initialAccumulator());
        opt.putObject("dense").put("type", "adam").put("learning_rate", s.adam().learningRate())
                .put("beta1", s.adam().beta1()).put("beta2", s.adam().beta2()).put("epsilon", s.adam().epsilon());
        root.put("batch_size", s.batchSize());
        root.put("warmup_batch_size", s.warmupBatchSize());
        root.put("admission_threshold", s.admissionThreshold());
        root.put("idle_expiry_seconds", s.idleExpirySeconds());
        root.putObject("limits").put("max_wide_rows", s.maxWideRows())
                .put("max_embedding_rows", s.maxEmbeddingRows());
        root.put("seed", s.seed());
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            // A tree of strings and numbers always serialises; failing here is a bug, not bad input.
            throw new IllegalStateException("cannot write the feature spec as JSON", e);
        }
    }

    /** A JSON object being read: remembers which keys were consumed so the rest can be refused as unknown. */
    private static final class Obj {
        private final JsonNode node;
        private final String path;
        private final Set<String> used = new LinkedHashSet<>();

        Obj(JsonNode node, String path) {
            if (node == null || !node.isObject()) {
                throw new SpecException(path, "must be a JSON object, got " + (node == null ? "nothing" : node));
            }
            this.node = node;
            this.path = path;
        }

        private String key(String name) {
            return path.equals("(document)") ? name : path + "." + name;
        }

        boolean has(String name) {
            used.add(name);
            return node.has(name) && !node.get(name).isNull();
        }

        private JsonNode get(String name) {
            used.add(name);
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                throw new SpecException(key(name), "is required");
            }
            return v;
        }

        String string(String name) {
            JsonNode v = get(name);
            if (!v.isTextual()) {
                throw new SpecException(key(name), "must be a string, got " + v);
            }
            return v.textValue();
        }

        int integer(String name) {
            return intValue(get(name), key(name));
        }

        long longValue(String name) {
            JsonNode v = get(name);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw new SpecException(key(name), "must be an integer, got " + v);
            }
            return v.longValue();
        }

        double number(String name) {
            return doubleValue(get(name), key(name));
        }

        Obj object(String name) {
            return new Obj(get(name), key(name));
        }

        void type(String expected) {
            String t = string("type");
            if (!t.equals(expected)) {
                throw new SpecException(key("type"), "unsupported optimizer '" + t + "'; only '" + expected
                        + "' is implemented here");
            }
        }

        <T> List<T> list(String name, BiFunction<JsonNode, String, T> element) {
            JsonNode v = get(name);
            if (!v.isArray()) {
                throw new SpecException(key(name), "must be a JSON array, got " + v);
            }
            List<T> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                out.add(element.apply(v.get(i), key(name) + "[" + i + "]"));
            }
            return out;
        }

        void done() {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!used.contains(k)) {
                    throw new SpecException(key(k), "unknown key");
                }
            }
        }
    }
}
