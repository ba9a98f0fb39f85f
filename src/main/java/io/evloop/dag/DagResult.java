package io.evloop.dag;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The values of every node of one execution, by name. */
public final class DagResult {

    private final Map<String, Object> values;

    DagResult(List<String> names, Object[] values) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            map.put(names.get(i), values[i]);
        }
        this.values = Collections.unmodifiableMap(map);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(String node) {
        if (!values.containsKey(node)) {
            throw new IllegalArgumentException("no node named '" + node + "'; nodes are " + values.keySet());
        }
        return (T) values.get(node);
    }

    public Map<String, Object> values() {
        return values;
    }

    @Override
    public String toString() {
        return "DagResult" + values;
    }
}
