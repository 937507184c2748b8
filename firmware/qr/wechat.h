// C interface to OpenCV's contrib WeChat QR decoder, for wechat.go.
#ifndef PALMD_QR_WECHAT_H
#define PALMD_QR_WECHAT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef void *QRWeChat;

QRWeChat qr_wechat_new(char **err);
void qr_wechat_free(QRWeChat w);
int qr_wechat_decode(QRWeChat w, const unsigned char *pix, int width, int height,
                     int stride, char **out, int *outlen, char **err);

#ifdef __cplusplus
}
#endif

#endif
