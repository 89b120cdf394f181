package io.marketplacebridge.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The sandbox in a real browser, as a new user clicks through it: Debian's headless Chromium driven by Selenium
 * through Debian's chromedriver (never a downloaded browser or driver; {@code .ci/browser} installs both, and the
 * test is skipped where they are missing). Buy, follow the landing link, see the confirmation; fire a webhook and
 * see it reach the systems and the registry's timeline; a dead letter shown and replayed; the operator's Hawtio
 * with the routes. Screenshots of each step go to {@code target/browser-screenshots}.
 */
class SandboxInBrowserTest extends SandboxTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "browser-screenshots");
    private static final String OPERATOR = "Basic " + Base64.getEncoder()
            .encodeToString("admin:sandbox-admin".getBytes(StandardCharsets.UTF_8));

    private static final Duration HAWTIO_WAIT = Duration.ofSeconds(45);

    private static ChromeDriver browser;
    private static WebDriverWait wait;

    @BeforeAll
    static void startChromium() throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (.ci/browser installs them)");
        Files.createDirectories(SCREENSHOTS);
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=1280,1100",
                "--user-data-dir=" + Files.createTempDirectory("sandbox-chromium").toAbsolutePath());
        browser = new ChromeDriver(driver, options);
        wait = new WebDriverWait(browser, WAIT);
    }

    @AfterAll
    static void stopChromium() {
        if (browser != null) {
            browser.quit();
        }
    }

    /** A failed step leaves its screenshot and the page's HTML beside the others. */
    @RegisterExtension
    final TestWatcher keepTheFailedPage = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            try {
                String name = "failed-" + context.getRequiredTestMethod().getName();
                screenshot(name);
                Files.writeString(SCREENSHOTS.resolve(name + ".html"), browser.getPageSource());
            } catch (Exception e) {
                cause.addSuppressed(e);
            }
        }
    };

    @AfterEach
    void everySystemAnswers200Again() throws Exception {
        for (String system : new String[] {"provisioning", "billing", "crm"}) {
            send("POST", BASE + "/sandbox/recorder/" + system + "/behaviour", "{\"status\":200}");
        }
    }

    @Test
    void buyerBuysFollowsTheLandingLinkAndSeesTheConfirmation() throws Exception {
        String id = buy("pro", 12);
        WebElement landingLink = browser.findElement(By.linkText("Open the landing page"));
        String sandbox = browser.getWindowHandle();

        landingLink.click();
        wait.until(ExpectedConditions.numberOfWindowsToBe(2));
        browser.switchTo().window(otherWindowThan(sandbox));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Thank you for your purchase"));

        assertThat(browser.getCurrentUrl()).startsWith(BASE + "/landing?token=").doesNotContain("#");
        String page = browser.findElement(By.tagName("body")).getText();
        assertThat(page).contains("Contoso (sandbox)", "Status: being set up", "Signed in as the buyer (sandbox)", id,
                "pro", "12");
        assertThat(browser.findElements(By.tagName("script"))).as("readable without JavaScript").isEmpty();
        screenshot("1-landing");
        browser.manage().window().setSize(new Dimension(390, 844));
        screenshot("1-landing-phone");
        browser.manage().window().setSize(new Dimension(1280, 1100));
        browser.close();
        browser.switchTo().window(sandbox);
        waitForStatus(id, "Subscribed");
        screenshot("1-sandbox-subscribed");
    }

    @Test
    void linkFarTooLongForTheServerGetsTheLandingPagesErrorPage() throws Exception {
        browser.get(BASE + "/landing?token=" + "A".repeat(100_000));

        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "This link does not work"));
        assertThat(browser.findElement(By.tagName("body")).getText()).contains("Contoso (sandbox)", "Configure account")
                .doesNotContain("Tomcat");
        screenshot("1-landing-link-too-long");
    }

    @Test
    void webhookFiredFromThePageReachesTheSystemsAndTheTimeline() throws Exception {
        String id = land(buy("basic", 3));
        waitForStatus(id, "Subscribed");

        browser.findElement(By.cssSelector("#webhook-actions-" + id + " button[title^='Suspend']")).click();
        String operation = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.xpath("//div[@id='purchase-result']//p[contains(., 'Suspend webhook')]/span[@class='id']"))).getText();

        for (String system : new String[] {"provisioning", "billing", "crm"}) {
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("deliveries-" + system),
                    "Idempotency-Key: " + operation));
        }
        showTimeline(id);
        wait.until(ExpectedConditions.visibilityOfElementLocated(eventDelivery("Suspended", "provisioning: delivered")));
        wait.until(ExpectedConditions.visibilityOfElementLocated(eventDelivery("Suspended", "billing: delivered")));
        waitForStatus(id, "Suspended");
        screenshot("2-webhook-systems", By.id("systems"));
        screenshot("2-webhook-timeline", By.id("timeline"));
    }

    @Test
    void deadLetterShowsInTheTimelineAndIsDeliveredOnceReplayed() throws Exception {
        String id = land(buy("basic", 2));
        waitForStatus(id, "Subscribed");
        new Select(browser.findElement(By.id("behaviour-billing"))).selectByValue("422");
        waitUntilBillingAnswers(422);

        browser.findElement(By.cssSelector("#webhook-actions-" + id + " button[title^='Renew']")).click();
        showTimeline(id);
        wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.xpath(eventXpath("Renewed") + "//li[@class='dead-letter' and starts-with(normalize-space(.), 'billing: dead-lettered')]")));
        screenshot("3-dead-letter", By.id("timeline"));
        new Select(browser.findElement(By.id("behaviour-billing"))).selectByValue("200");
        waitUntilBillingAnswers(200);

        var replay = send("POST", BASE + "/api/admin/dead-letters/billing/replay?subscriptionId=" + id, null,
                "Authorization", OPERATOR);

        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(replay.body()).get("replayed").asInt()).isEqualTo(1);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.xpath(eventXpath("Renewed")
                + "//li[starts-with(normalize-space(.), 'billing: delivered') and contains(., 'replayed')]")));
        screenshot("3-dead-letter-replayed", By.id("timeline"));
    }

    @Test
    void operatorSeesTheRoutesInHawtio() throws Exception {
        // The operator's login on every request from here on (a browser prompt cannot be answered headless).
        browser.executeCdpCommand("Network.enable", Map.of());
        browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", OPERATOR)));
        try {
            browser.get(BASE + "/actuator/hawtio/");
            // Hawtio reads the whole JMX tree (every route's processors, the broker's queues) before it shows Camel.
            new WebDriverWait(browser, HAWTIO_WAIT).until(ExpectedConditions.elementToBeClickable(
                    By.xpath("//button[normalize-space()='routes']"))).click();
            wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//a[normalize-space()='Routes']"))).click();

            for (String route : new String[] {"landing", "webhook-intake", "webhook-processing", "deliver-billing", "dead-letters-replay"}) {
                wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//table//td[normalize-space()='" + route + "']")));
            }
            assertThat(browser.findElement(By.xpath("//table")).getText()).contains("Started");
            screenshot("4-hawtio-routes");
        } finally {
            browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of()));
        }
    }

    /** Buys a test subscription on the sandbox page (the form, as a user fills it in): its id. */
    private String buy(String plan, int quantity) {
        browser.get(BASE + "/sandbox");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#plan option[value='" + plan + "']")));
        new Select(browser.findElement(By.id("plan"))).selectByValue(plan);
        WebElement seats = browser.findElement(By.id("quantity"));
        seats.clear();
        seats.sendKeys(String.valueOf(quantity));
        browser.findElement(By.cssSelector("#purchase-form button[type='submit']")).click();
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#purchase-result span.id"))).getText();
    }

    /** Opens the landing link of the purchase just made, as the buyer would, and comes back to the sandbox page. */
    private String land(String id) {
        String sandbox = browser.getWindowHandle();
        browser.findElement(By.linkText("Open the landing page")).click();
        wait.until(ExpectedConditions.numberOfWindowsToBe(2));
        browser.switchTo().window(otherWindowThan(sandbox));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Thank you for your purchase"));
        browser.close();
        browser.switchTo().window(sandbox);
        return id;
    }

    private void waitForStatus(String id, String status) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#subscriptions tr[data-subscription-id='" + id + "'] .status"), status));
    }

    private void showTimeline(String id) {
        wait.until(ExpectedConditions.elementToBeClickable(
                By.xpath("//tr[@data-registry-id='" + id + "']//button[text()='Timeline']"))).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("timeline"), "Timeline of " + id));
    }

    private void waitUntilBillingAnswers(int status) {
        wait.until(driver -> {
            try {
                return JSON.readTree(send("GET", BASE + "/sandbox/recorder/billing/behaviour", null).body())
                        .get("status").asInt() == status;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static By eventDelivery(String eventType, String delivery) {
        return By.xpath(eventXpath(eventType) + "//li[starts-with(normalize-space(.), '" + delivery + "')]");
    }

    private static String eventXpath(String eventType) {
        return "//div[@id='timeline']//li[@class='event'][strong[text()='" + eventType + "']]";
    }

    private static String otherWindowThan(String window) {
        Set<String> windows = browser.getWindowHandles();
        return windows.stream().filter(handle -> !handle.equals(window)).findFirst().orElseThrow();
    }

    /** A screenshot with this part of the page scrolled to the top of the window. */
    private static void screenshot(String name, By part) throws IOException {
        browser.executeScript("arguments[0].scrollIntoView({block: 'start'})", browser.findElement(part));
        screenshot(name);
    }

    private static void screenshot(String name) throws IOException {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
