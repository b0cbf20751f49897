package io.tidegate.kernel.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegionMapTest {

    @Test
    void findsKeysByRegionIncludingCollidingHashes() {
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        Map<String, Integer> entries = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            entries.put("key" + i, i);
        }
        entries.put("Aa", -1);
        entries.put("BB", -2);
        entries.put("", -3);
        RegionMap<Integer> map = new RegionMap<>(entries);

        assertThat(map.get("xxAayy", 2, 4)).isEqualTo(-1);
        assertThat(map.get("BB", 0, 2)).isEqualTo(-2);
        assertThat(map.get("/a//b", 3, 3)).isEqualTo(-3);
        for (int i = 0; i < 100; i++) {
            assertThat(map.get("/key" + i + "/", 1, 1 + ("key" + i).length())).isEqualTo(i);
        }
        assertThat(map.get("key100", 0, 6)).isNull();
        assertThat(map.get("key1", 0, 3)).isNull();
    }

    @Test
    void emptyMapFindsNothing() {
        assertThat(new RegionMap<Integer>(Map.of()).get("abc", 0, 3)).isNull();
        assertThat(new RegionMap<Integer>(Map.of()).get("abc", 1, 1)).isNull();
    }
}
