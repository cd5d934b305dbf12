package gradwerk.tutorials;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Checks every chapter's text: links resolve, shown code is real code, and the README lists the chapter. */
class ChapterTextTest {
    @TestFactory
    Stream<DynamicTest> linksResolveAndShownCodeIsReal() throws Exception {
        return Chapter.all().stream().map(md -> DynamicTest.dynamicTest(md.getFileName().toString(),
                () -> Chapter.assertLinksAndCodeAreReal(md)));
    }

    @Test
    void readmeListsEveryChapterAndEveryProgramHasAChapter() throws Exception {
        String readme = Files.readString(Chapter.dir().resolve("README.md"));
        for (Path md : Chapter.all())
            assertTrue(readme.contains("](" + md.getFileName() + ")"), "README.md does not link " + md.getFileName());
        for (int n : Chapters.available())
            assertTrue(Chapter.all().stream().anyMatch(md -> md.getFileName().toString().startsWith(String.format("%02d-", n))),
                    "chapter " + n + " has a program but no text");
    }
}
