package io.marketplacebridge.marketplace;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The app registration's certificate credential ({@code bridge.marketplace.auth.certificate-path}): its private key
 * and certificate, read once at start from a PKCS#12 file, or from a PEM file holding the private key (PKCS#8:
 * {@code BEGIN PRIVATE KEY}, or {@code BEGIN ENCRYPTED PRIVATE KEY} encrypted with {@code certificate-password} by
 * PBES2 with AES) and the certificate, its chain after it. Entra ID takes RSA certificates. The subject, thumbprint
 * and expiry are what an operator matches against the app registration's <em>Certificates &amp; secrets</em>; the
 * key never leaves.
 */
public final class AppCertificate {

    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    private final PrivateKey key;
    private final List<X509Certificate> chain;

    private AppCertificate(PrivateKey key, List<X509Certificate> chain) {
        this.key = key;
        this.chain = List.copyOf(chain);
    }

    /**
     * Reads the file, PKCS#12 or PEM (told apart by its content).
     *
     * @throws IllegalStateException naming the file and what is wrong with it, never the password
     */
    static AppCertificate read(Path file, String password) {
        char[] secret = password == null ? new char[0] : password.toCharArray();
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException("bridge.marketplace.auth.certificate-path " + file + " cannot be read: " + e.getMessage(), e);
        }
        try {
            String text = new String(content, StandardCharsets.US_ASCII);
            AppCertificate certificate = text.contains("-----BEGIN ") ? fromPem(text, secret) : fromPkcs12(content, secret);
            if (!(certificate.key instanceof RSAPrivateKey)) {
                throw new IllegalStateException("its key is " + certificate.key.getAlgorithm() + ": Entra ID takes RSA certificates");
            }
            return certificate;
        } catch (IllegalStateException | GeneralSecurityException | IOException e) {
            throw new IllegalStateException("bridge.marketplace.auth.certificate-path " + file + " holds no usable certificate: "
                    + e.getMessage(), e);
        }
    }

    private static AppCertificate fromPkcs12(byte[] content, char[] password) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new ByteArrayInputStream(content)) {
            store.load(in, password);
        }
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias) && store.getKey(alias, password) instanceof PrivateKey key) {
                List<X509Certificate> chain = new ArrayList<>();
                for (Certificate certificate : store.getCertificateChain(alias)) {
                    chain.add((X509Certificate) certificate);
                }
                return new AppCertificate(key, chain);
            }
        }
        throw new IllegalStateException("the PKCS#12 file has no private key");
    }

    private static AppCertificate fromPem(String text, char[] password) throws GeneralSecurityException {
        PrivateKey key = null;
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        Matcher block = PEM.matcher(text);
        while (block.find()) {
            byte[] der = Base64.getMimeDecoder().decode(block.group(2).trim());
            switch (block.group(1)) {
                case "CERTIFICATE" -> certificates.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(der)));
                case "PRIVATE KEY" -> key = rsaKey(new PKCS8EncodedKeySpec(der));
                case "ENCRYPTED PRIVATE KEY" -> key = rsaKey(decrypt(der, password));
                case "RSA PRIVATE KEY" -> throw new IllegalStateException("its key is PKCS#1 (BEGIN RSA PRIVATE KEY): convert it to"
                        + " PKCS#8 with openssl pkcs8 -topk8 -nocrypt -in key.pem");
                default -> {
                    // Other blocks (parameters, a certificate request) are not part of the credential.
                }
            }
        }
        if (key == null || certificates.isEmpty()) {
            throw new IllegalStateException("a PEM file needs the private key (BEGIN PRIVATE KEY) and the certificate (BEGIN CERTIFICATE)");
        }
        // The certificate of the key first, then the rest of the chain as the file lists it.
        X509Certificate own = null;
        for (X509Certificate certificate : certificates) {
            if (certificate.getPublicKey() instanceof RSAPublicKey pub && pub.getModulus().equals(((RSAPrivateKey) key).getModulus())) {
                own = certificate;
                break;
            }
        }
        if (own == null) {
            throw new IllegalStateException("no certificate in the PEM file is the private key's");
        }
        List<X509Certificate> chain = new ArrayList<>(List.of(own));
        for (X509Certificate certificate : certificates) {
            if (certificate != own) {
                chain.add(certificate);
            }
        }
        return new AppCertificate(key, chain);
    }

    private static PrivateKey rsaKey(PKCS8EncodedKeySpec spec) throws GeneralSecurityException {
        return KeyFactory.getInstance("RSA").generatePrivate(spec);
    }

    private static PKCS8EncodedKeySpec decrypt(byte[] der, char[] password) throws GeneralSecurityException {
        if (password.length == 0) {
            throw new IllegalStateException("its key is encrypted: set bridge.marketplace.auth.certificate-password");
        }
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // PBES2 (what openssl writes) names its cipher in the parameters, e.g. PBEWithHmacSHA256AndAES_256.
            String algorithm = info.getAlgParameters() == null ? info.getAlgName() : info.getAlgParameters().toString();
            Key secret = SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(password));
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, secret, info.getAlgParameters());
            return info.getKeySpec(cipher);
        } catch (IOException e) {
            // The JDK reads PBES2 with AES only; openssl req encrypts with triple DES unless told otherwise.
            throw new IllegalStateException("its encrypted key cannot be read (" + e.getMessage() + "): encrypt it with AES,"
                    + " openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-aes.pem, or use a PKCS#12 file", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("its encrypted key cannot be decrypted (a wrong certificate-password?)", e);
        }
    }

    /** The private key, for msal4j's signed client assertion. */
    PrivateKey key() {
        return key;
    }

    /** The certificate of the key, then its chain. */
    List<X509Certificate> chain() {
        return chain;
    }

    /** The certificate's subject, e.g. {@code CN=marketplace-bridge}. */
    public String subject() {
        return chain.get(0).getSubjectX500Principal().getName();
    }

    /** The SHA-1 thumbprint in upper-case hex, as the app registration lists the certificate. */
    public String thumbprint() {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(chain.get(0).getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** When the certificate expires: Entra ID refuses its assertions from then on. */
    public Instant notAfter() {
        return chain.get(0).getNotAfter().toInstant();
    }
}
