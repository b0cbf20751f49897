package io.tidegate.kernel.config;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigLocation;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.YamlReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * YAML to {@link ConfigNode} with SnakeYAML's composer: we keep the node graph (with its marks)
 * and never construct Java objects from tags, so a document cannot instantiate anything.
 */
public final class SnakeYamlReader implements YamlReader {

    /** Bounds what a hostile or broken document can cost (billion laughs, huge files). */
    private static final int MAX_ALIASES = 50;
    private static final int MAX_CODE_POINTS = 16 * 1024 * 1024;

    @Override
    public List<ConfigNode> parse(String origin, String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setCodePointLimit(MAX_CODE_POINTS);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        List<ConfigNode> documents = new ArrayList<>();
        try {
            for (Node node : yaml.composeAll(new StringReader(text))) {
                if (node == null || isNull(node)) {
                    continue;
                }
                documents.add(convert(origin, node, ""));
            }
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new ConfigException(location(origin, mark), "", "invalid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new ConfigException(new ConfigLocation(origin, 0, 0), "", "invalid YAML: " + e.getMessage());
        }
        return documents;
    }

    @Override
    public List<ConfigNode> read(Path file) throws IOException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    private static ConfigNode convert(String origin, Node node, String path) {
        ConfigLocation location = location(origin, node.getStartMark());
        if (node instanceof MappingNode mapping) {
            Map<String, ConfigNode> entries = new LinkedHashMap<>();
            for (NodeTuple tuple : mapping.getValue()) {
                Node keyNode = tuple.getKeyNode();
                if (!(keyNode instanceof ScalarNode scalarKey)) {
                    throw new ConfigException(location(origin, keyNode.getStartMark()), path,
                            "a key must be a plain value, not a " + keyNode.getNodeId());
                }
                String key = scalarKey.getValue();
                if (entries.containsKey(key)) {
                    throw new ConfigException(location(origin, keyNode.getStartMark()),
                            ConfigNode.childPath(path, key), "duplicate key");
                }
                entries.put(key, convert(origin, tuple.getValueNode(), ConfigNode.childPath(path, key)));
            }
            return ConfigNode.map(location, path, entries);
        }
        if (node instanceof SequenceNode sequence) {
            List<ConfigNode> items = new ArrayList<>();
            List<Node> values = sequence.getValue();
            for (int i = 0; i < values.size(); i++) {
                items.add(convert(origin, values.get(i), path + "[" + i + "]"));
            }
            return ConfigNode.list(location, path, items);
        }
        if (isNull(node)) {
            return ConfigNode.nullNode(location, path);
        }
        return ConfigNode.scalar(location, path, ((ScalarNode) node).getValue());
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    private static ConfigLocation location(String origin, Mark mark) {
        return mark == null ? new ConfigLocation(origin, 0, 0)
                : new ConfigLocation(origin, mark.getLine() + 1, mark.getColumn() + 1);
    }
}
