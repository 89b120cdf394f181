package io.marketplacebridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Every image README.md and docs/ show is in the repository, and every image kept in docs/images is shown somewhere,
 * no larger than the screenshots are taken (1280 × 800).
 */
class DocsImagesTest {

    private static final Pattern IMAGE = Pattern.compile("!\\[[^\\]]*\\]\\(([^)\\s]+)[^)]*\\)|<img[^>]+src=\"([^\"]+)\"");
    private static final Path IMAGES = Path.of("docs", "images");

    @Test
    void everyImageTheDocsShowExistsAndEveryKeptImageIsShown() throws IOException {
        Set<Path> shown = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        for (Path page : pages()) {
            Matcher image = IMAGE.matcher(Files.readString(page));
            while (image.find()) {
                String target = image.group(1) != null ? image.group(1) : image.group(2);
                if (target.matches("[a-z]+://.*")) {
                    continue;
                }
                Path file = page.resolveSibling(target.replaceAll("[#?].*", "")).normalize();
                shown.add(file);
                if (!Files.isRegularFile(file)) {
                    missing.add(page + " → " + target);
                }
            }
        }

        assertThat(missing).as("images the docs show that are not in the repository").isEmpty();
        assertThat(shown).as("the README's Hawtio how-to shows its screenshots").isNotEmpty();
        try (Stream<Path> kept = Files.list(IMAGES)) {
            assertThat(kept.map(Path::normalize).toList()).as("images in docs/images nothing shows").allMatch(shown::contains);
        }
        for (Path file : shown) {
            BufferedImage picture = ImageIO.read(file.toFile());
            assertThat(picture).as(file + " is an image").isNotNull();
            assertThat(picture.getWidth()).as(file + " width").isLessThanOrEqualTo(1280);
            assertThat(picture.getHeight()).as(file + " height").isLessThanOrEqualTo(800);
        }
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.walk(Path.of("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }
}
