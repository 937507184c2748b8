#include <opencv2/video/tracking.hpp>
#include "ecc.h"

int palm_ecc(void *tmpl, void *input, void *warp, int iterations, double eps, double *cc) {
    try {
        cv::TermCriteria crit(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, iterations, eps);
        *cc = cv::findTransformECC(*static_cast<cv::Mat *>(tmpl), *static_cast<cv::Mat *>(input),
                                   *static_cast<cv::Mat *>(warp), cv::MOTION_HOMOGRAPHY, crit, cv::noArray(), 5);
    } catch (const cv::Exception &) {
        return -1; // an exception must not cross into Go
    }
    return 0;
}
