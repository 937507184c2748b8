//go:build !nowechat

// A narrow binding of cv::wechat_qrcode::WeChatQRCode. gocv's contrib
// package has one, but it cannot be built against Debian's OpenCV (it
// compiles xfeatures2d, which Debian does not ship) and it frees the
// decoded strings with delete[] on std::string storage. This one copies
// the first payload into malloc'd memory and catches every C++ exception.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/wechat_qrcode.hpp>

#include "wechat.h"

static char *dup_bytes(const std::string &s, int *len) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (p == nullptr) {
    return nullptr;
  }
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = 0;
  if (len != nullptr) {
    *len = static_cast<int>(s.size());
  }
  return p;
}

QRWeChat qr_wechat_new(char **err) {
  try {
    // Empty model paths: the traditional detector, no CNN models needed.
    return new cv::wechat_qrcode::WeChatQRCode("", "", "", "");
  } catch (const std::exception &e) {
    *err = dup_bytes(e.what(), nullptr);
  } catch (...) {
    *err = dup_bytes("unknown C++ exception", nullptr);
  }
  return nullptr;
}

void qr_wechat_free(QRWeChat w) {
  delete static_cast<cv::wechat_qrcode::WeChatQRCode *>(w);
}

int qr_wechat_decode(QRWeChat w, const unsigned char *pix, int width, int height,
                     int stride, char **out, int *outlen, char **err) {
  try {
    cv::Mat img(height, width, CV_8UC1, const_cast<unsigned char *>(pix),
                static_cast<size_t>(stride));
    std::vector<cv::Mat> points;
    std::vector<std::string> codes =
        static_cast<cv::wechat_qrcode::WeChatQRCode *>(w)->detectAndDecode(img, points);
    if (codes.empty()) {
      return 0;
    }
    *out = dup_bytes(codes[0], outlen);
    return *out != nullptr ? 1 : -1;
  } catch (const std::exception &e) {
    *err = dup_bytes(e.what(), nullptr);
  } catch (...) {
    *err = dup_bytes("unknown C++ exception", nullptr);
  }
  return -1;
}
