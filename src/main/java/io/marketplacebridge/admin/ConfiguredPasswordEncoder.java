package io.marketplacebridge.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Checks a presented password against one the bridge was configured with: both as SHA-256 digests, compared in
 * constant time. Only for passwords that are held in memory and never stored (see SecurityConfiguration): a
 * stored password needs a slow, salted hash such as bcrypt.
 */
final class ConfiguredPasswordEncoder implements PasswordEncoder {

    @Override
    public String encode(CharSequence rawPassword) {
        return HexFormat.of().formatHex(sha256(rawPassword));
    }

    @Override
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
        return rawPassword != null && encodedPassword != null
                && MessageDigest.isEqual(encode(rawPassword).getBytes(StandardCharsets.US_ASCII),
                        encodedPassword.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] sha256(CharSequence text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }
}
