package io.marketplacebridge.crm;

import org.apache.camel.component.salesforce.AuthenticationType;
import org.apache.camel.component.salesforce.SalesforceComponent;
import org.apache.camel.component.salesforce.SalesforceEndpointConfig;
import org.apache.camel.component.salesforce.SalesforceLoginConfig;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Camel {@code salesforce} component, only when {@code bridge.crm.mode=salesforce}. There is no camel-salesforce
 * starter, so {@code camel.component.salesforce.*} does nothing: the settings are {@code bridge.salesforce.*}.
 * Login is lazy: the bridge starts while Salesforce is unreachable, and the first delivery logs in (a failed login
 * is redelivered like any other Salesforce outage).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "bridge.crm.mode", havingValue = "salesforce", matchIfMissing = true)
class SalesforceConfiguration {

    @Bean("salesforce")
    SalesforceComponent salesforce(SalesforceProperties salesforce) {
        SalesforceProperties.Auth auth = salesforce.auth();
        require(auth.clientId(), "client-id");
        SalesforceLoginConfig login = new SalesforceLoginConfig();
        login.setLoginUrl(salesforce.loginUrl().toString());
        if (salesforce.instanceUrl() != null) {
            login.setInstanceUrl(salesforce.instanceUrl().toString().replaceAll("/+$", ""));
        }
        login.setClientId(auth.clientId());
        login.setLazyLogin(true);
        switch (auth.mode()) {
            case CLIENT_CREDENTIALS -> {
                require(auth.clientSecret(), "client-secret");
                login.setType(AuthenticationType.CLIENT_CREDENTIALS);
                login.setClientSecret(auth.clientSecret());
            }
            case JWT -> {
                require(auth.username(), "username");
                require(auth.keyStore() == null ? null : auth.keyStore().toString(), "key-store");
                require(auth.keyStorePassword(), "key-store-password");
                KeyStoreParameters keyStore = new KeyStoreParameters();
                keyStore.setResource("file:" + auth.keyStore().toAbsolutePath());
                keyStore.setPassword(auth.keyStorePassword());
                keyStore.setType(auth.keyStoreType());
                login.setType(AuthenticationType.JWT);
                login.setUserName(auth.username());
                login.setKeystore(keyStore);
                if (auth.jwtAudience() != null && !auth.jwtAudience().isBlank()) {
                    login.setJwtAudience(auth.jwtAudience());
                }
            }
        }

        SalesforceEndpointConfig endpoints = new SalesforceEndpointConfig();
        endpoints.setApiVersion(salesforce.apiVersion());

        SalesforceComponent component = new SalesforceComponent();
        component.setLoginConfig(login);
        component.setConfig(endpoints);
        component.setHttpClientConnectionTimeout(salesforce.connectTimeout().toMillis());
        component.setHttpRequestTimeout(salesforce.requestTimeout().toMillis());
        // Records go as raw JSON (rawPayload), so there are no generated DTOs to find; naming a package keeps the
        // component from warning about it at every start.
        component.setPackages(SalesforceRecords.class.getPackageName());
        return component;
    }

    private static void require(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("bridge.crm.mode=salesforce needs bridge.salesforce.auth." + key
                    + " (or set bridge.crm.mode=http)");
        }
    }
}
