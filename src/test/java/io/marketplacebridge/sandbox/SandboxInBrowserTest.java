package io.marketplacebridge.sandbox;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
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
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.remote.http.ClientConfig;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The sandbox in a real browser, as a new user clicks through it: Debian's headless Chromium driven by Selenium
 * through Debian's chromedriver (never a downloaded browser or driver; {@code .ci/browser} installs both, and the
 * test is skipped where they are missing). Buy, follow the landing link, see the confirmation; fire a webhook and
 * see it reach the systems and the registry's timeline; a dead letter shown and replayed; the operator's Hawtio
 * with the routes and the broker's dead-letter queue, and a dead letter replayed there. Screenshots of each step go
 * to {@code target/browser-screenshots}.
 */
class SandboxInBrowserTest extends SandboxTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "browser-screenshots");
    private static final String OPERATOR = basic("admin:sandbox-admin");

    private static final Duration HAWTIO_WAIT = Duration.ofSeconds(45);

    private static ChromeDriver browser;
    private static WebDriverWait wait;

    /** The sandbox's broker: its name is the broker's folder in Hawtio's JMX tree. */
    @Autowired
    EmbeddedActiveMQ broker;

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
        // A page or a script that hangs the renderer fails the step in a minute instead of holding the build.
        browser = new ChromeDriver(driver, options, ClientConfig.defaultConfig().readTimeout(Duration.ofSeconds(90)));
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(30));
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

        clickInRedrawnTable(By.cssSelector("#webhook-actions-" + id + " button[title^='Suspend']"));
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

        clickInRedrawnTable(By.cssSelector("#webhook-actions-" + id + " button[title^='Renew']"));
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

    /**
     * The how-to of README "Replaying a dead letter from Hawtio", step by step; its screenshots {@code hawtio-*.png}
     * are the ones kept in docs/images.
     */
    @Test
    void operatorSeesRoutesAndQueuesInHawtioAndReplaysADeadLetterThere() throws Exception {
        String id = land(buy("basic", 4));
        waitForStatus(id, "Subscribed");
        wait.until(driver -> deliveredToBilling(id, "Activated"));
        new Select(browser.findElement(By.id("behaviour-billing"))).selectByValue("422");
        waitUntilBillingAnswers(422);
        clickInRedrawnTable(By.cssSelector("#webhook-actions-" + id + " button[title^='Renew']"));
        wait.until(driver -> deadLetterTypes(id).contains("Renewed"));
        new Select(browser.findElement(By.id("behaviour-billing"))).selectByValue("200");
        waitUntilBillingAnswers(200);
        String broker = "org.apache.activemq.artemis-" + this.broker.getActiveMQServer().getConfiguration().getName();
        String dlqBilling = broker + "-addresses-DLA-queues-multicast-DLQ.billing";
        // The operator's login on every request from here on (a browser prompt cannot be answered headless).
        browser.executeCdpCommand("Network.enable", Map.of());
        browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", OPERATOR)));
        try {
            viewport(1280, 800);
            // Straight to the Routes view, which Hawtio opens on the context's routes folder. Not by clicking that folder
            // in the tree: a click opens the folder's first tab, the Route Diagram, whose layout of every processor of
            // every route keeps headless Chromium busy for minutes. Hawtio reads the whole JMX tree (every route's
            // processors, the broker's queues) before it shows Camel.
            browser.get(BASE + "/actuator/hawtio/camel/routes");
            new WebDriverWait(browser, HAWTIO_WAIT).until(ExpectedConditions.attributeToBe(
                    By.xpath("//a[normalize-space()='Routes']"), "aria-current", "page"));
            // The table waits for every route's statistics.
            for (String route : new String[] {"landing", "webhook-intake", "webhook-processing", "deliver-billing", "dead-letters-replay"}) {
                new WebDriverWait(browser, HAWTIO_WAIT).until(ExpectedConditions.presenceOfElementLocated(
                        By.xpath("//table//td[normalize-space()='" + route + "']")));
            }
            assertThat(browser.findElement(By.xpath("//table")).getText()).contains("Started");
            browser.findElement(By.id("vertical-nav-toggle")).click();
            // The tree narrower, so that the table shows its statistics; the busiest routes first.
            new Actions(browser).moveToElement(browser.findElement(By.cssSelector(".gutter-horizontal"))).clickAndHold()
                    .moveByOffset(-110, 0).release().perform();
            By completed = By.xpath("//th[.//*[normalize-space()='Completed']]//button");
            browser.findElement(completed).click();
            browser.findElement(completed).click();
            wait.until(ExpectedConditions.attributeContains(By.xpath("//th[.//*[normalize-space()='Completed']]"), "aria-sort", "descending"));
            assertThat(browser.findElement(By.xpath("//table/tbody/tr[1]/td[count(//table/thead//th[.//*[normalize-space()='Completed']]/preceding-sibling::th)+1]"))
                    .getText()).isNotEqualTo("0");
            screenshot("hawtio-1-routes");

            browser.findElement(By.id("vertical-nav-toggle")).click();
            wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//a[normalize-space()='JMX']"))).click();
            browser.findElement(By.id("vertical-nav-toggle")).click();
            for (String folder : new String[] {"org.apache.activemq.artemis-folder", broker + "-folder", broker + "-addresses-folder",
                    broker + "-addresses-DLA-folder", broker + "-addresses-DLA-queues-folder", broker + "-addresses-DLA-queues-multicast-folder"}) {
                expandTreeItem(folder);
            }
            selectTreeItem(dlqBilling);
            wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//a[normalize-space()='Attributes']"))).click();
            wait.until(driver -> "DLQ.billing".equals(attribute("Name")));
            long deadLetters = Long.parseLong(attribute("MessageCount"));
            assertThat(deadLetters).isPositive();
            screenshot("hawtio-2-dead-letter-queue", attributeRow("MessageCount"), "center");

            wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//a[normalize-space()='Operations']"))).click();
            String listMessages = "listMessages(java.lang.String)";
            openOperation(listMessages);
            operationInput(listMessages).sendKeys("bridgeSubscriptionId='" + id + "'");
            executeOperation(listMessages);
            WebElement listed = wait.until(ExpectedConditions.visibilityOfElementLocated(operationResult(listMessages)));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(operationResult(listMessages), "messageID"));
            JsonNode renewed = null;
            for (JsonNode message : JSON.readTree(listed.getText())) {
                if ("Renewed".equals(message.path("bridgeEventType").asText())) {
                    renewed = message;
                }
            }
            assertThat(renewed).as(listed.getText()).isNotNull();
            assertThat(renewed.path("bridgeFailureMessage").asText()).startsWith("billing delivery of Renewed answered HTTP 422");
            assertThat(renewed.path("_AMQ_ORIG_QUEUE").asText()).isEqualTo("billing");
            screenshot("hawtio-3-list-messages", operationInputLocator(listMessages), "start");

            String retryMessage = "retryMessage(long)";
            openOperation(retryMessage);
            operationInput(retryMessage).clear();
            operationInput(retryMessage).sendKeys(renewed.path("messageID").asText());
            executeOperation(retryMessage);
            wait.until(ExpectedConditions.textToBePresentInElementLocated(operationResult(retryMessage), "true"));
            wait.until(driver -> deliveredToBilling(id, "Renewed"));
            screenshot("hawtio-4-retry-message", operationToggle(retryMessage), "start");

            assertThat(deadLetterTypes(id)).doesNotContain("Renewed");
            List<String> billingAnswers = new ArrayList<>();
            for (JsonNode delivery : JSON.readTree(send("GET", BASE + "/sandbox/deliveries?system=billing&subscriptionId=" + id, null).body())) {
                if (renewed.path("bridgeEventId").asText().equals(delivery.path("idempotencyKey").asText())) {
                    billingAnswers.add(delivery.path("answer").asText());
                }
            }
            assertThat(billingAnswers).as("billing's answers to the Renewed event, by its Idempotency-Key").containsExactly("422", "200");
            wait.until(driver -> {
                selectTreeItem(broker + "-addresses-DLA-queues-multicast-DLQ.crm");
                selectTreeItem(dlqBilling);
                driver.findElement(By.xpath("//a[normalize-space()='Attributes']")).click();
                return "DLQ.billing".equals(attribute("Name")) && Long.parseLong(attribute("MessageCount")) < deadLetters
                        && "DLQ.billing".equals(attribute("Name"));
            });
            screenshot("hawtio-5-replayed", attributeRow("MessageCount"), "center");
            assertThat(browser.manage().getCookieNamed("JSESSIONID")).as("Hawtio works without a session").isNull();
        } finally {
            browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of()));
            browser.manage().window().setSize(new Dimension(1280, 1100));
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
        clickInRedrawnTable(By.xpath("//tr[@data-registry-id='" + id + "']//button[text()='Timeline']"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("timeline"), "Timeline of " + id));
    }

    /**
     * Clicks a button in a table the page redraws while it polls: the button found may be replaced before the click
     * lands, so find and click again until a click lands on a button still in the page.
     */
    private static void clickInRedrawnTable(By button) {
        wait.until(driver -> {
            try {
                WebElement found = ExpectedConditions.elementToBeClickable(button).apply(driver);
                if (found == null) {
                    return false;
                }
                found.click();
                return true;
            } catch (StaleElementReferenceException redrawn) {
                return false;
            }
        });
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

    /** Sizes the window so that the page itself (what a screenshot holds) is this large. */
    private static void viewport(int width, int height) {
        Number chrome = (Number) browser.executeScript("return window.outerHeight - window.innerHeight");
        browser.manage().window().setSize(new Dimension(width, height + chrome.intValue()));
    }

    /** Opens a folder of Hawtio's JMX tree (the items' ids are Hawtio's: domain, then each key of the MBean's name). */
    private static void expandTreeItem(String itemId) {
        WebElement item = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("li[id='" + itemId + "']")));
        if (!"true".equals(item.getAttribute("aria-expanded"))) {
            item.findElement(By.cssSelector(":scope > div button.pf-v6-c-tree-view__node-toggle")).click();
        }
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector("li[id='" + itemId + "']"), "aria-expanded", "true"));
    }

    private static void selectTreeItem(String itemId) {
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("li[id='" + itemId + "'] > div .pf-v6-c-tree-view__node"))).click();
    }

    private static By attributeRow(String attribute) {
        return By.xpath("//table//tr[td[1][normalize-space()='" + attribute + "']]");
    }

    private static String attribute(String attribute) {
        return wait.until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//table//tr[td[1][normalize-space()='" + attribute + "']]/td[2]"))).getText().trim();
    }

    private static By operationToggle(String operation) {
        return By.cssSelector("button[aria-labelledby^='operation " + operation + " ']");
    }

    private static void openOperation(String operation) {
        WebElement toggle = wait.until(ExpectedConditions.presenceOfElementLocated(operationToggle(operation)));
        browser.executeScript("arguments[0].scrollIntoView({block: 'start'})", toggle);
        toggle.click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(operationInputLocator(operation)));
    }

    private static By operationInputLocator(String operation) {
        return By.cssSelector("section[id='operation-execute-" + operation + "'] input");
    }

    private static WebElement operationInput(String operation) {
        return browser.findElement(operationInputLocator(operation));
    }

    private static void executeOperation(String operation) {
        browser.findElement(By.xpath("//section[@id='operation-execute-" + operation + "']//button[normalize-space()='Execute']")).click();
    }

    private static By operationResult(String operation) {
        return By.cssSelector("section[id='operation-result-" + operation + "'] pre");
    }

    /** The event types of the subscription's dead letters in DLQ.billing, as the dead-letter API lists them. */
    private Set<String> deadLetterTypes(String id) {
        try {
            Set<String> types = new TreeSet<>();
            JSON.readTree(send("GET", BASE + "/api/admin/dead-letters/billing?subscriptionId=" + id, null, "Authorization", OPERATOR)
                    .body()).path("messages").forEach(message -> types.add(message.path("eventType").asText()));
            return types;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether billing took the subscription's event of this type, as the registry's timeline says. */
    private boolean deliveredToBilling(String id, String eventType) {
        try {
            for (JsonNode event : JSON.readTree(send("GET", BASE + "/api/subscriptions/" + id + "/events", null,
                    "Authorization", OPERATOR).body()).path("events")) {
                if (eventType.equals(event.path("type").asText())) {
                    for (JsonNode delivery : event.path("deliveries")) {
                        if ("billing".equals(delivery.path("system").asText()) && "delivered".equals(delivery.path("outcome").asText())) {
                            return true;
                        }
                    }
                }
            }
            return false;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A screenshot with this part of the page scrolled to the top of the window. */
    private static void screenshot(String name, By part) throws IOException {
        screenshot(name, part, "start");
    }

    /** A screenshot with this part of the page scrolled to the {@code start} or {@code center} of the window. */
    private static void screenshot(String name, By part, String where) throws IOException {
        browser.executeScript("arguments[0].scrollIntoView({block: arguments[1]})", browser.findElement(part), where);
        screenshot(name);
    }

    private static void screenshot(String name) throws IOException {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
