package io.marketplacebridge.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a webhook body over {@code bridge.webhook.max-body-bytes} with 413 before anything reads it whole:
 * platform-http would otherwise take any size into memory before the route's own check. A declared length is
 * checked at once; a chunked body is read up to the limit and no further.
 */
@Configuration(proxyBeanMethods = false)
class WebhookBodyLimit {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookBodyLimit.class);

    @Bean
    FilterRegistrationBean<OncePerRequestFilter> webhookBodyLimitFilter(WebhookProperties webhook, ObjectMapper json) {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(
                new Limit(webhook.maxBodyBytes().toBytes(), json));
        registration.addUrlPatterns("/api/webhook");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    private static final class Limit extends OncePerRequestFilter {

        private final long maxBytes;
        private final ObjectMapper json;

        Limit(long maxBytes, ObjectMapper json) {
            this.maxBytes = maxBytes;
            this.json = json;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (request.getContentLengthLong() > maxBytes) {
                refuse(response);
                return;
            }
            if (request.getContentLengthLong() >= 0) {
                chain.doFilter(request, response);
                return;
            }
            byte[] body = request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                refuse(response);
                return;
            }
            chain.doFilter(new ReadBody(request, body), response);
        }

        private void refuse(HttpServletResponse response) throws IOException {
            LOG.warn("Webhook call refused (413): body over {} bytes", maxBytes);
            response.setStatus(413);
            response.setContentType("application/problem+json");
            // The rest of an oversized body is not read: the connection closes after the answer.
            response.setHeader("Connection", "close");
            response.getOutputStream().write(Problems.problem(json, 413, "The notification is larger than " + maxBytes + " bytes.")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The request with its (bounded) body already read. */
    private static final class ReadBody extends HttpServletRequestWrapper {

        private final byte[] body;

        ReadBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(getInputStream(),
                    encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding)));
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] buffer, int offset, int length) {
                    return in.read(buffer, offset, length);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already read");
                }
            };
        }
    }
}
