package io.marketplacebridge.landing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.web.HttpAnswer;
import io.marketplacebridge.web.Problems;
import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.Host;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * The landing page's error page for what Tomcat refuses before any filter or route sees it: a request line or header
 * longer than {@code server.max-http-request-header-size} (a purchase link far too long) or a URL with characters it
 * may not hold. Tomcat answers those {@code 400} with its own bare report page; this replaces that report (the host's
 * ErrorReportValve, which Spring Boot also configures) with {@link LandingPage#forMalformedRequest()}. A request whose
 * path Tomcat could read and that is for the API ({@code /api/}, {@code /actuator/}: an encoded slash or backslash
 * it refuses) gets a JSON problem instead, as every other refusal of the API. Other statuses keep Tomcat's report.
 */
@Component
class MalformedRequestPage implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

    private final LandingPage page;
    private final ObjectMapper json;

    MalformedRequestPage(LandingPage page, ObjectMapper json) {
        this.page = page;
        this.json = json;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(context -> {
            Host host = (Host) context.getParent();
            for (Valve valve : host.getPipeline().getValves()) {
                if (valve instanceof ErrorReportValve) {
                    host.getPipeline().removeValve(valve);
                }
            }
            ErrorReportValve report = new Report(page, json);
            report.setShowReport(false);
            report.setShowServerInfo(false);
            host.getPipeline().addValve(report);
            // The host adds a report valve of this class at start unless it has one already: it has.
            ((StandardHost) host).setErrorReportValveClass(Report.class.getName());
        });
    }

    /** After Spring Boot's own customizer, which adds the report valve this one replaces. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    /** Tomcat's report valve, answering a {@code 400} with the landing page's error page. */
    static final class Report extends ErrorReportValve {

        private final LandingPage page;
        private final ObjectMapper json;

        Report(LandingPage page, ObjectMapper json) {
            this.page = page;
            this.json = json;
        }

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            if (response.getStatus() != 400) {
                super.report(request, response, throwable);
                return;
            }
            if (response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            AtomicBoolean ioAllowed = new AtomicBoolean(false);
            response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
            if (!ioAllowed.get()) {
                return;
            }
            String path = request.getRequestURI();
            HttpAnswer answer = path != null && (path.startsWith("/api/") || path.startsWith("/actuator/"))
                    ? new HttpAnswer(400, "application/problem+json", Problems.problem(json, 400,
                            "The request's URL holds characters the bridge does not take (an encoded slash or backslash)."), null)
                    : page.forMalformedRequest();
            try {
                response.setContentType(answer.getContentType());
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(answer.getBody());
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException e) {
                // The client is gone or the response cannot take a body: nothing left to tell it.
            }
        }
    }
}
