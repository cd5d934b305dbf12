package gradwerk.tutorials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Checks on a chapter's Markdown text, shared by the chapter tests. */
final class Chapter {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)\\)");
    private static final Pattern COMMENT = Pattern.compile("(^|\\s)//");
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    private Chapter() {}

    /** The tutorials folder (Surefire runs in the module's folder; basedir says so explicitly). */
    static Path dir() {
        return Path.of(System.getProperty("basedir", "."));
    }

    /** The chapters' Markdown files, in order: {@code NN-title.md}. */
    static List<Path> all() throws IOException {
        try (var files = Files.list(dir())) {
            return files.filter(p -> p.getFileName().toString().matches("\\d\\d-.*\\.md")).sorted().toList();
        }
    }

    /**
     * Every relative link in the chapter must point to an existing file, and every non-blank line of every
     * {@code ```java} block must appear (ignoring indentation) in one of the Java files the chapter links to: so
     * the code a chapter shows cannot drift from the real code. Comments are free: a chapter may annotate a line
     * ({@code x += y;   // why}) or elide some ({@code // ...}).
     */
    static void assertLinksAndCodeAreReal(Path md) throws IOException {
        String text = Files.readString(md);
        Set<String> sourceLines = new HashSet<>();
        Matcher link = LINK.matcher(text);
        while (link.find()) {
            if (link.group(1).contains("://")) continue;
            Path target = md.getParent().resolve(link.group(1)).normalize();
            assertTrue(Files.exists(target), md.getFileName() + " links to a missing file " + link.group(1));
            if (!link.group(1).endsWith(".java")) continue;
            for (String line : Files.readAllLines(target)) sourceLines.add(code(line));
        }
        Matcher block = JAVA_BLOCK.matcher(text);
        while (block.find()) {
            for (String line : List.of(block.group(1).split("\n"))) {
                String l = code(line);
                if (l.isEmpty()) continue;
                assertTrue(sourceLines.contains(l), md.getFileName() + ": this line of a java block is in none of the"
                        + " linked files (update the chapter):\n" + line);
            }
        }
    }

    /** A line without indentation and without a trailing {@code //} comment. */
    static String code(String line) {
        Matcher m = COMMENT.matcher(line);
        return (m.find() ? line.substring(0, m.start()) : line).strip();
    }
}
