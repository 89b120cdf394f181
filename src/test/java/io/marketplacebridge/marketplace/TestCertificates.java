package io.marketplacebridge.marketplace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;

/**
 * Self-signed app certificates as an operator makes them: a PKCS#12 file by the JDK's keytool (RSA 2048, subject
 * {@code CN=bridge-test}), and the same key and certificate as a PEM file, its key plain or encrypted as openssl
 * writes it (PKCS#8 with PBES2: PBKDF2 with HMAC-SHA256, AES-256-CBC).
 */
public final class TestCertificates {

    public static final String PASSWORD = "changeit";

    private TestCertificates() {
    }

    /**
     * A PKCS#12 file {@code name.p12} in {@code dir} with password {@link #PASSWORD}, valid from {@code start}
     * (keytool's {@code -startdate}, e.g. {@code -10d}; null: now) for {@code days} days.
     */
    public static Path pkcs12(Path dir, String name, String start, int days) throws IOException, InterruptedException {
        Path file = dir.resolve(name + ".p12");
        ProcessBuilder keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "app", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=bridge-test",
                "-validity", String.valueOf(days), "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", PASSWORD);
        if (start != null) {
            keytool.command().addAll(List.of("-startdate", start));
        }
        assertThat(keytool.inheritIO().start().waitFor()).isZero();
        return file;
    }

    /** The key and certificate of a {@link #pkcs12} file as PEM: the key first, encrypted with {@code password} when given. */
    public static Path pem(Path pkcs12, Path file, String password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pkcs12)) {
            store.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("app", PASSWORD.toCharArray());
        Certificate certificate = store.getCertificate("app");
        String keyBlock = password == null ? block("PRIVATE KEY", key.getEncoded())
                : block("ENCRYPTED PRIVATE KEY", encrypt(key, password));
        Files.writeString(file, keyBlock + block("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
        return file;
    }

    private static byte[] encrypt(PrivateKey key, String password) throws GeneralSecurityException, IOException {
        String algorithm = "PBEWithHmacSHA256AndAES_256";
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        new SecureRandom().nextBytes(salt);
        new SecureRandom().nextBytes(iv);
        Cipher cipher = Cipher.getInstance(algorithm);
        cipher.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(password.toCharArray())),
                new PBEParameterSpec(salt, 2048, new IvParameterSpec(iv)));
        byte[] encrypted = cipher.doFinal(key.getEncoded());
        // EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier {PBES2, its parameters}, OCTET STRING }, as
        // openssl writes it (the JDK cannot name PBES2 when it writes one itself).
        byte[] pbes2 = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x05, 0x0d};
        byte[] algorithmId = der(0x30, concat(pbes2, cipher.getParameters().getEncoded()));
        return der(0x30, concat(algorithmId, der(0x04, encrypted)));
    }

    private static byte[] der(int tag, byte[] content) {
        byte[] length = content.length < 128 ? new byte[] {(byte) content.length}
                : content.length < 256 ? new byte[] {(byte) 0x81, (byte) content.length}
                : new byte[] {(byte) 0x82, (byte) (content.length >> 8), (byte) content.length};
        return concat(new byte[] {(byte) tag}, concat(length, content));
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
